/* cmd_decap.c - `vxscope decap`: write the inner frames of mirrored traffic as pcap/pcapng.
 *
 * What Wireshark shows after VXLAN decoding, as a file of its own: one pcapng interface per
 * mirror session (named by VNI), nanosecond timestamps, the inner frame's true length as the
 * original length, and a comment on copies the mirror truncated.  Frames that came in without
 * a tunnel are written as they are.  An optional BPF filter (libpcap's compiler) applies to the
 * inner frame, and --vni keeps only the named sessions.
 */
#include <errno.h>
#include <getopt.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture/reader.h"
#include "cli.h"
#include "decode/ipaddr.h"
#include "mirror/aws_config.h"
#include "mirror/sessions.h"
#include "output/pkt_writer.h"

#define MAX_VNI_FILTER 64
#define MAX_IFACES 4096

struct iface {
	enum tunnel_kind kind;
	bool has_id;
	uint32_t id;
	struct ip_addr src;
	int linktype;
	uint32_t ifid;
};

struct bpf_for_link {
	int linktype;
	struct bpf_program prog;
	bool ok;
};

struct decap {
	struct pkt_writer *w;
	enum pkt_format fmt;
	const char *out_path;
	uint32_t vni[MAX_VNI_FILTER];
	unsigned nvni;
	const char *filter;
	struct bpf_for_link bpf[4];
	unsigned nbpf;
	struct iface *ifaces;
	unsigned nifaces;
	int last_iface;
	uint8_t scratch[14 + CAPTURE_MAX_FRAME];
	uint64_t written, filtered, truncated;
	int werr;
};

static void decap_usage(FILE *f)
{
	fputs("usage: vxscope decap FILE... -o OUT [options]\n"
	      "\n"
	      "Write the inner (decapsulated) frames of VXLAN/GENEVE/GRE/ERSPAN mirror traffic.\n"
	      "\n"
	      "  -o, --output OUT       output file ('-' for stdout)\n"
	      "  -F, --format FMT       pcapng (default; one interface per mirror session, named\n"
	      "                         vni-N) or pcap (nanosecond, Ethernet)\n"
	      "  -f, --filter BPF       keep inner frames matching this tcpdump filter expression\n"
	      "      --vni N            keep only frames of this VNI / tunnel id (repeatable)\n"
	      "      --vxlan-port P     also decode UDP port P as VXLAN (4789 always; e.g. 8472)\n"
	      "      --geneve-port P    also decode UDP port P as GENEVE (6081 always)\n"
	      "      --sessions FILE    AWS mirroring JSON + host map: interfaces named by session\n"
	      "  -h, --help             this text\n"
	      "\n"
	      "Truncated copies (mirror PacketLength, target MTU) keep their true length as the\n"
	      "original length and get a comment in pcapng.\n",
	      f);
}

/* The BPF program for frames of this link type, compiled on first use. */
static struct bpf_for_link *bpf_for(struct decap *d, int linktype)
{
	for (unsigned i = 0; i < d->nbpf; i++)
		if (d->bpf[i].linktype == linktype)
			return &d->bpf[i];
	if (d->nbpf == sizeof(d->bpf) / sizeof(d->bpf[0]))
		return NULL;
	struct bpf_for_link *b = &d->bpf[d->nbpf++];
	b->linktype = linktype;
	pcap_t *dead = pcap_open_dead(linktype, 262144);
	if (!dead)
		return b;
	if (pcap_compile(dead, &b->prog, d->filter, 1, PCAP_NETMASK_UNKNOWN) == 0) {
		b->ok = true;
	} else {
		fprintf(stderr, "vxscope: decap: filter '%s' (link type %d): %s\n", d->filter,
			linktype, pcap_geterr(dead));
	}
	pcap_close(dead);
	return b;
}

static int iface_for(struct decap *d, const struct packet *p, int linktype, uint32_t *ifid)
{
	const struct tunnel *t = pkt_session_tunnel(p);
	enum tunnel_kind kind = t ? t->kind : TUN_NONE;
	bool has_id = t && t->has_id;
	uint32_t id = has_id ? t->id : 0;
	static const struct ip_addr none;
	const struct ip_addr *src = t ? &t->src : &none;
	if (d->last_iface >= 0) {
		struct iface *c = &d->ifaces[d->last_iface];
		if (c->kind == kind && c->has_id == has_id && c->id == id && c->linktype == linktype &&
		    ipaddr_eq(&c->src, src)) {
			*ifid = c->ifid;
			return 0;
		}
	}
	bool same_id_seen = false;
	for (unsigned i = 0; i < d->nifaces; i++) {
		struct iface *c = &d->ifaces[i];
		if (c->kind == kind && c->has_id == has_id && c->id == id && c->linktype == linktype) {
			if (ipaddr_eq(&c->src, src)) {
				d->last_iface = (int)i;
				*ifid = c->ifid;
				return 0;
			}
			same_id_seen = true;
		}
	}
	if (d->nifaces == MAX_IFACES)
		return -ENOSPC;
	if (!d->ifaces) {
		d->ifaces = calloc(MAX_IFACES, sizeof(*d->ifaces));
		if (!d->ifaces)
			return -ENOMEM;
	}
	char name[96], desc[160], a[IPADDR_STRLEN];
	struct session s = {.kind = kind, .has_id = has_id, .id = id, .outer_src = *src};
	for (unsigned j = 0; j < p->ntun; j++)
		s.gwlb |= p->tun[j].gwlb;
	if (cli_aws_sessions() && kind == TUN_VXLAN && has_id)
		s.aws = aws_config_session_by_vni(cli_aws_sessions(), id, s.gwlb ? NULL : src);
	session_label(&s, desc, sizeof(desc));
	ipaddr_format(src, a, sizeof(a));
	if (s.aws) /* --sessions: the interface is the AWS session */
		snprintf(name, sizeof(name), "%s%s%s", s.aws->id, same_id_seen ? "@" : "",
			 same_id_seen ? a : "");
	else if (kind == TUN_NONE)
		snprintf(name, sizeof(name), "bare-linktype-%d", linktype);
	else if (!has_id)
		snprintf(name, sizeof(name), "tunnel@%s", a);
	else if (same_id_seen)
		snprintf(name, sizeof(name), "vni-%u@%s", id, a);
	else
		snprintf(name, sizeof(name), "vni-%u", id);
	struct iface *n = &d->ifaces[d->nifaces];
	n->kind = kind;
	n->has_id = has_id;
	n->id = id;
	n->src = *src;
	n->linktype = linktype;
	int r = pkt_writer_add_interface(d->w, linktype, name, desc, &n->ifid);
	if (r)
		return r;
	d->last_iface = (int)d->nifaces++;
	*ifid = n->ifid;
	return 0;
}

static void on_packet(void *ctx, const struct packet *p, struct flow *f, int dir,
		      const struct tcp_pkt_analysis *ta)
{
	(void)f;
	(void)dir;
	(void)ta;
	struct decap *d = ctx;
	if (d->werr)
		return;
	const struct tunnel *t = pkt_session_tunnel(p);
	if (d->nvni) {
		bool keep = false;
		for (unsigned i = 0; t && t->has_id && i < d->nvni; i++)
			keep |= d->vni[i] == t->id;
		if (!keep) {
			d->filtered++;
			return;
		}
	}
	const uint8_t *data = p->data + p->inner_off;
	uint32_t caplen = p->caplen > p->inner_off ? p->caplen - p->inner_off : 0;
	int linktype = p->ntun ? p->inner_linktype : p->linktype;
	/* The inner frame's true length: its L2 header plus the inner IP length, even when the
	 * mirror cut the copy short. */
	uint32_t wirelen = p->ntun ? (p->wirelen > p->inner_off ? p->wirelen - p->inner_off : 0)
				   : p->wirelen;
	if (p->ntun && p->has_ip) {
		uint32_t l2 = linktype == LINKTYPE_ETHERNET ? 14u + 4u * p->nvlan : 0;
		if (l2 + p->ip_len > wirelen)
			wirelen = l2 + p->ip_len;
	}
	if (wirelen < caplen)
		wirelen = caplen;

	/* Inner frames that are bare IP (GENEVE/GRE carrying IP) get an Ethernet header with zero
	 * addresses, so every session's interface has one link type: pcap allows only one, and
	 * libpcap (tcpdump) refuses pcapng files that mix link types. */
	uint16_t et = p->has_ip ? (p->ip_ver == 6 ? 0x86dd : 0x0800) : p->ethertype;
	if (linktype == LINKTYPE_RAW && et && caplen <= CAPTURE_MAX_FRAME) {
		memset(d->scratch, 0, 12);
		d->scratch[12] = (uint8_t)(et >> 8);
		d->scratch[13] = (uint8_t)et;
		memcpy(d->scratch + 14, data, caplen);
		data = d->scratch;
		caplen += 14;
		wirelen += 14;
		linktype = LINKTYPE_ETHERNET;
	}
	if (d->filter) {
		struct bpf_for_link *b = bpf_for(d, linktype);
		struct pcap_pkthdr h = {.caplen = caplen, .len = wirelen};
		if (!b || !b->ok || !pcap_offline_filter(&b->prog, &h, data)) {
			d->filtered++;
			return;
		}
	}
	uint32_t ifid = 0;
	int r = 0;
	if (d->fmt == PKT_FORMAT_PCAPNG)
		r = iface_for(d, p, linktype, &ifid);
	else if (linktype != LINKTYPE_ETHERNET) {
		d->filtered++; /* a pcap file holds one link type; use pcapng for mixed ones */
		return;
	}
	char comment[128], *cm = NULL;
	if (!r && caplen < wirelen) {
		snprintf(comment, sizeof(comment), "truncated: %u of %u bytes captured", caplen,
			 wirelen);
		cm = comment;
		d->truncated++;
	}
	if (!r)
		r = pkt_writer_write(d->w, ifid, p->ts_ns, data, caplen, wirelen, cm);
	if (r)
		d->werr = r;
	else
		d->written++;
}

int cmd_decap(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, 0, 'o'},
		{"format", required_argument, 0, 'F'},
		{"filter", required_argument, 0, 'f'},
		{"vni", required_argument, 0, 'V'},
		{"help", no_argument, 0, 'h'},
		CLI_DECODE_LONGOPTS,
		{0, 0, 0, 0},
	};
	struct pipeline_cfg cfg;
	pipeline_cfg_default(&cfg);
	cfg.track_flows = false;
	struct decap *d = calloc(1, sizeof(*d));
	if (!d)
		return EXIT_INTERNAL;
	d->last_iface = -1;
	d->fmt = PKT_FORMAT_PCAPNG;
	bool fmt_given = false;
	int c, rc = EXIT_OK;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:F:f:h", opts, NULL)) != -1) {
		int dr = cli_decode_option(c, optarg, &cfg.decode);
		if (dr < 0)
			goto usage;
		if (dr > 0)
			continue;
		switch (c) {
		case 'o':
			d->out_path = optarg;
			break;
		case 'F':
			fmt_given = true;
			if (!strcmp(optarg, "pcap"))
				d->fmt = PKT_FORMAT_PCAP;
			else if (!strcmp(optarg, "pcapng"))
				d->fmt = PKT_FORMAT_PCAPNG;
			else {
				fprintf(stderr, "vxscope decap: --format is pcap or pcapng, not '%s'\n",
					optarg);
				goto usage;
			}
			break;
		case 'f':
			d->filter = optarg;
			break;
		case 'V': {
			uint64_t v;
			if (!cli_parse_u64(optarg, 0, 0xffffffffu, "--vni", &v))
				goto usage;
			if (d->nvni == MAX_VNI_FILTER) {
				fprintf(stderr, "vxscope decap: at most %d --vni values\n",
					MAX_VNI_FILTER);
				goto usage;
			}
			d->vni[d->nvni++] = (uint32_t)v;
			break;
		}
		case 'h':
			decap_usage(stdout);
			free(d);
			return EXIT_OK;
		default:
			goto usage;
		}
	}
	if (optind >= argc || !d->out_path) {
		fprintf(stderr, "vxscope decap: need input FILE(s) and -o OUT\n");
		goto usage;
	}
	if (!fmt_given) {
		size_t n = strlen(d->out_path);
		if (n >= 5 && !strcmp(d->out_path + n - 5, ".pcap"))
			d->fmt = PKT_FORMAT_PCAP;
	}
	if (d->filter) {
		/* Compile once up front so a bad expression is a usage error, not 0 frames. */
		struct bpf_for_link *b = bpf_for(d, LINKTYPE_ETHERNET);
		if (!b || !b->ok) {
			rc = EXIT_USAGE;
			goto out;
		}
	}
	int r = pkt_writer_open(&d->w, d->out_path, d->fmt, LINKTYPE_ETHERNET);
	if (r) {
		fprintf(stderr, "vxscope decap: cannot create %s: %s\n", d->out_path, strerror(-r));
		rc = EXIT_OUTPUT;
		goto out;
	}
	cfg.hooks.on_packet = on_packet;
	cfg.hooks.ctx = d;
	struct pipeline *pl = pipeline_new(&cfg);
	if (!pl) {
		rc = EXIT_INTERNAL;
		if (pkt_writer_close(d->w))
			fprintf(stderr, "vxscope decap: %s left incomplete\n", d->out_path);
		goto out;
	}
	struct input_result in;
	cli_read_inputs(argv + optind, argc - optind, pl, true, &in);
	pipeline_free(pl);
	r = pkt_writer_close(d->w);
	if (d->werr || r) {
		fprintf(stderr, "vxscope decap: writing %s: %s (output incomplete after %llu frames)\n",
			d->out_path,
			strerror(-(d->werr ? d->werr : r)), (unsigned long long)d->written);
		rc = EXIT_OUTPUT;
	} else {
		rc = in.status;
	}
	fprintf(stderr, "vxscope decap: %llu frames read, %llu written, %llu filtered out, "
			"%llu truncated copies\n",
		(unsigned long long)in.frames, (unsigned long long)d->written,
		(unsigned long long)d->filtered, (unsigned long long)d->truncated);
out:
	for (unsigned i = 0; i < d->nbpf; i++)
		if (d->bpf[i].ok)
			pcap_freecode(&d->bpf[i].prog);
	free(d->ifaces);
	free(d);
	return rc;
usage:
	decap_usage(stderr);
	free(d->ifaces);
	free(d);
	return EXIT_USAGE;
}
