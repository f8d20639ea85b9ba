/* traffic_class.c - QoS classes from DSCP and ports, and the class-map file (traffic_class.h).
 * DSCP names and recommended markings: RFC 4594 (configuration guidelines for DiffServ
 * service classes), RFC 2474 (DS field), RFC 3246 (EF). */
#include "traffic_class.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[TC_COUNT] = {"voice", "video",	"interactive", "database",
					    "web",   "bulk",	"other"};

const char *tclass_name(enum tclass c)
{
	return (unsigned)c < TC_COUNT ? names[c] : "other";
}

int tclass_parse(const char *name)
{
	for (int i = 0; i < TC_COUNT; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

bool tclass_delay_sensitive(enum tclass c)
{
	return c == TC_VOICE || c == TC_VIDEO || c == TC_INTERACTIVE;
}

int tclass_dscp(enum tclass c)
{
	static const int d[TC_COUNT] = {46, 34, 16, 18, 0, 8, 0};
	return (unsigned)c < TC_COUNT ? d[c] : 0;
}

const char *dscp_name(int dscp, char *buf, unsigned len)
{
	if (dscp == 46)
		snprintf(buf, len, "EF");
	else if (dscp == 44)
		snprintf(buf, len, "VOICE-ADMIT");
	else if (dscp == 0)
		snprintf(buf, len, "BE");
	else if (dscp > 0 && dscp < 64 && (dscp & 7) == 0)
		snprintf(buf, len, "CS%d", dscp >> 3);
	else if (dscp >= 10 && dscp <= 38 && (dscp & 1) == 0 && ((dscp >> 1) & 3) != 0)
		snprintf(buf, len, "AF%d%d", dscp >> 3, (dscp >> 1) & 3);
	else
		snprintf(buf, len, "%d", dscp);
	return buf;
}

static void add(struct tclass_map *m, int dscp, uint16_t lo, uint16_t hi, uint8_t proto,
		bool even, enum tclass c)
{
	if (m->n == TCLASS_MAX_RULES)
		return;
	m->r[m->n++] = (struct tclass_rule){.dscp = dscp, .port_lo = lo, .port_hi = hi,
					     .proto = proto, .even_ports = even, .cls = c};
}

void tclass_map_default(struct tclass_map *m)
{
	memset(m, 0, sizeof(*m));
	add(m, 46, 0, 0, 0, false, TC_VOICE);
	add(m, -1, 5060, 5061, 0, false, TC_VOICE);
	add(m, -1, 1024, 65535, 17, true, TC_VOICE);
	for (int d = 32; d <= 38; d += 2)
		add(m, d, 0, 0, 0, false, TC_VIDEO); /* CS4, AF41..AF43 */
	add(m, -1, 554, 554, 0, false, TC_VIDEO);
	add(m, -1, 22, 23, 6, false, TC_INTERACTIVE);
	add(m, -1, 3389, 3389, 0, false, TC_INTERACTIVE);
	add(m, -1, 5432, 5432, 6, false, TC_DATABASE);
	add(m, -1, 3306, 3306, 6, false, TC_DATABASE);
	add(m, -1, 6379, 6379, 6, false, TC_DATABASE);
	add(m, -1, 27017, 27017, 6, false, TC_DATABASE);
	add(m, -1, 1433, 1433, 6, false, TC_DATABASE);
	add(m, -1, 1521, 1521, 6, false, TC_DATABASE);
	add(m, -1, 9042, 9042, 6, false, TC_DATABASE);
	add(m, -1, 80, 80, 0, false, TC_WEB);
	add(m, -1, 443, 443, 0, false, TC_WEB);
	add(m, -1, 8080, 8080, 0, false, TC_WEB);
	add(m, -1, 8443, 8443, 0, false, TC_WEB);
	add(m, -1, 873, 873, 6, false, TC_BULK);
	add(m, -1, 445, 445, 6, false, TC_BULK);
	add(m, -1, 2049, 2049, 0, false, TC_BULK);
	add(m, -1, 5201, 5201, 0, false, TC_BULK);
}

static bool rule_matches(const struct tclass_rule *r, uint8_t proto, uint16_t sport,
			 uint16_t dport, int dscp)
{
	if (r->proto && r->proto != proto)
		return false;
	if (r->dscp >= 0 && r->dscp != dscp)
		return false;
	if (r->even_ports && ((sport | dport) & 1))
		return false;
	if (r->port_lo) {
		bool s = sport >= r->port_lo && sport <= r->port_hi;
		bool d = dport >= r->port_lo && dport <= r->port_hi;
		if (r->even_ports ? !(s && d) : !(s || d))
			return false;
	}
	return true;
}

enum tclass tclass_of(const struct tclass_map *m, uint8_t proto, uint16_t sport, uint16_t dport,
		      int dscp)
{
	for (unsigned i = 0; i < m->n; i++)
		if (rule_matches(&m->r[i], proto, sport, dport, dscp))
			return m->r[i].cls;
	return TC_OTHER;
}

enum tclass tclass_of_flow(const struct tclass_map *m, uint8_t proto, uint16_t sport,
			   uint16_t dport, int dscp, uint8_t hint)
{
	for (unsigned i = 0; i < m->nuser && i < m->n; i++)
		if (rule_matches(&m->r[i], proto, sport, dport, dscp))
			return m->r[i].cls;
	if (hint && hint <= TC_COUNT)
		return (enum tclass)(hint - 1);
	return tclass_of(m, proto, sport, dport, dscp);
}

enum tclass tclass_refine(enum tclass c, uint8_t proto, uint64_t bytes, double seconds)
{
	if ((c == TC_OTHER || c == TC_WEB) && proto == 6 && bytes >= 10000000 && seconds >= 5)
		return TC_BULK;
	return c;
}

/* Parse "N" or "N-M" ports. */
static bool parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	unsigned long a = strtoul(s, &end, 10), b = a;
	if (end == s || a < 1 || a > 65535)
		return false;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtoul(t, &end, 10);
		if (end == t || b < a || b > 65535)
			return false;
	}
	if (*end)
		return false;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return true;
}

int tclass_map_load(struct tclass_map *m, const char *path, unsigned *line)
{
	FILE *fp = fopen(path, "r");
	*line = 0;
	if (!fp)
		return -errno;
	struct tclass_map file = {0};
	char buf[256];
	int err = 0;
	while (fgets(buf, sizeof(buf), fp)) {
		(*line)++;
		char *hash = strchr(buf, '#');
		if (hash)
			*hash = 0;
		char *tok[4] = {0};
		int nt = 0;
		for (char *sp, *t = strtok_r(buf, " \t\r\n", &sp); t && nt < 4;
		     t = strtok_r(NULL, " \t\r\n", &sp))
			tok[nt++] = t;
		if (!nt)
			continue;
		int c = tclass_parse(tok[0]);
		if (c < 0 || nt < 2 || file.n == TCLASS_MAX_RULES) {
			err = -EINVAL;
			break;
		}
		if (!strcmp(tok[1], "dscp") && nt == 3) {
			char *end;
			long d = strtol(tok[2], &end, 10);
			if (*end || d < 0 || d > 63) {
				err = -EINVAL;
				break;
			}
			add(&file, (int)d, 0, 0, 0, false, (enum tclass)c);
		} else if (!strcmp(tok[1], "port") && nt >= 3) {
			uint16_t lo, hi;
			uint8_t proto = 0;
			if (!parse_ports(tok[2], &lo, &hi)) {
				err = -EINVAL;
				break;
			}
			if (nt == 4 && !strcmp(tok[3], "tcp"))
				proto = 6;
			else if (nt == 4 && !strcmp(tok[3], "udp"))
				proto = 17;
			else if (nt == 4) {
				err = -EINVAL;
				break;
			}
			add(&file, -1, lo, hi, proto, false, (enum tclass)c);
		} else if (!strcmp(tok[1], "rtp") && nt == 2) {
			add(&file, -1, 1024, 65535, 17, true, (enum tclass)c);
		} else {
			err = -EINVAL;
			break;
		}
	}
	if (!err && ferror(fp))
		err = -EIO;
	fclose(fp);
	if (err)
		return err;
	struct tclass_map def;
	tclass_map_default(&def);
	file.nuser = file.n;
	for (unsigned i = 0; i < def.n && file.n < TCLASS_MAX_RULES; i++)
		file.r[file.n++] = def.r[i];
	*m = file;
	return 0;
}
