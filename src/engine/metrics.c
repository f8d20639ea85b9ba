/* metrics.c - render target counters (see metrics.h). */
#include "metrics.h"

#include "base/jsonw.h"

static void counter(struct strbuf *b, const char *name, const char *help, const char *type,
		    uint64_t v)
{
	strbuf_addf(b, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name, type, name);
	strbuf_addu64(b, v);
	strbuf_addc(b, '\n');
}

/* A label value: backslash, quote and newline escaped (our labels have none, but be safe). */
static void label_value(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			strbuf_addc(b, '\\');
		if (*s == '\n') {
			strbuf_adds(b, "\\n");
			continue;
		}
		strbuf_addc(b, *s);
	}
}

static void per_session(struct strbuf *b, const struct metrics_snapshot *m, const char *name,
			const char *help, int bytes)
{
	strbuf_addf(b, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
	for (size_t i = 0; i < m->nsessions; i++) {
		strbuf_addf(b, "%s{session=\"", name);
		label_value(b, m->sessions[i].label);
		strbuf_adds(b, "\"} ");
		strbuf_addu64(b, bytes ? m->sessions[i].bytes : m->sessions[i].packets);
		strbuf_addc(b, '\n');
	}
}

void metrics_prometheus(struct strbuf *b, const struct metrics_snapshot *m)
{
	counter(b, "vxscope_up", "1 while every receiver and worker runs", "gauge",
		(uint64_t)(m->up > 0));
	counter(b, "vxscope_rx_datagrams_total", "Datagrams read from the sockets", "counter",
		m->rx_datagrams);
	per_session(b, m, "vxscope_rx_packets_total", "Datagrams accepted per mirror session", 0);
	per_session(b, m, "vxscope_rx_bytes_total", "UDP payload bytes per mirror session", 1);
	counter(b, "vxscope_socket_drops_total",
		"Datagrams the kernel dropped on our sockets (SO_MEMINFO)", "counter",
		m->socket_drops);
	counter(b, "vxscope_udp_rcvbuf_errors_total",
		"Host-wide Udp+Udp6 RcvbufErrors increase since start (all sockets)", "counter",
		m->udp_rcvbuf_errors);
	counter(b, "vxscope_queue_drops_total", "Datagrams dropped because a worker queue was full",
		"counter", m->queue_drops);
	strbuf_adds(b, "# HELP vxscope_refused_total Datagrams refused by admission\n"
		       "# TYPE vxscope_refused_total counter\n"
		       "vxscope_refused_total{reason=\"cidr\"} ");
	strbuf_addu64(b, m->refused_cidr);
	strbuf_adds(b, "\nvxscope_refused_total{reason=\"vni\"} ");
	strbuf_addu64(b, m->refused_vni);
	strbuf_addc(b, '\n');
	counter(b, "vxscope_malformed_total", "Datagrams without a decodable tunnel header",
		"counter", m->malformed);
	counter(b, "vxscope_truncated_total", "Datagrams or mirrored packets cut short", "counter",
		m->truncated);
	counter(b, "vxscope_processed_packets_total", "Datagrams analysed by the workers",
		"counter", m->processed);
	counter(b, "vxscope_archived_packets_total", "Frames written to the archive", "counter",
		m->archived);
	counter(b, "vxscope_archive_lost_total", "Frames not archived because writing failed",
		"counter", m->archive_lost);
	counter(b, "vxscope_archive_files_total", "Archive files finished", "counter",
		m->archive_files);
	counter(b, "vxscope_write_errors_total", "Failed writes (archive, records, flow logs)",
		"counter", m->write_errors);
	counter(b, "vxscope_flows_active", "Flows in the flow tables", "gauge", m->flows_active);
	counter(b, "vxscope_flows_total", "Flows created", "counter", m->flows_total);
	counter(b, "vxscope_flow_evictions_total", "Flows evicted because a table was full",
		"counter", m->flow_evictions);
}

void metrics_json(struct strbuf *b, const struct metrics_snapshot *m)
{
	struct jsonw w;
	jsonw_init(&w, b);
	jsonw_obj_begin(&w);
	jsonw_ku64(&w, "rx_datagrams", m->rx_datagrams);
	jsonw_ku64(&w, "rx_bytes", m->rx_bytes);
	jsonw_ku64(&w, "socket_drops", m->socket_drops);
	jsonw_ku64(&w, "udp_rcvbuf_errors", m->udp_rcvbuf_errors);
	jsonw_ku64(&w, "queue_drops", m->queue_drops);
	jsonw_ku64(&w, "refused_cidr", m->refused_cidr);
	jsonw_ku64(&w, "refused_vni", m->refused_vni);
	jsonw_ku64(&w, "malformed", m->malformed);
	jsonw_ku64(&w, "truncated", m->truncated);
	jsonw_ku64(&w, "processed", m->processed);
	jsonw_ku64(&w, "archived", m->archived);
	jsonw_ku64(&w, "archive_lost", m->archive_lost);
	jsonw_ku64(&w, "archive_files", m->archive_files);
	jsonw_ku64(&w, "write_errors", m->write_errors);
	jsonw_ku64(&w, "flows_active", m->flows_active);
	jsonw_ku64(&w, "flows_total", m->flows_total);
	jsonw_ku64(&w, "flow_evictions", m->flow_evictions);
	jsonw_key(&w, "sessions");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < m->nsessions; i++) {
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "session", m->sessions[i].label);
		jsonw_ku64(&w, "packets", m->sessions[i].packets);
		jsonw_ku64(&w, "bytes", m->sessions[i].bytes);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_obj_end(&w);
	(void)jsonw_record_end(&w);
}
