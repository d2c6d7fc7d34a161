// SPDX-License-Identifier: Apache-2.0
/* Megaflow soundness on random tables: every packet inside the megaflow a
 * translation produced (random values in all wildcarded bits) must get the
 * same datapath actions and the same result code. */
#include "tests/lib/xs_test.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/ofp/flow.h"
#include "agent/pipeline/xlate.h"

#define N_TABLE_SETS 4000
#define N_PACKETS 30
#define N_VARIANTS 10
#define N_OFP_TABLES 4

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

static unsigned pick(unsigned n)
{
	return rnd() % n;
}

#define APPEND(buf, len, ...) ((len) += snprintf((buf) + (len), sizeof(buf) - (size_t)(len), __VA_ARGS__))

enum l3 { L3_NONE, L3_IP, L3_TCP, L3_UDP, L3_ARP, L3_IPV6, N_L3 };

/* One random flow line for table t into buf. Values come from small
 * ranges so rules overlap and packets hit them. */
static void random_flow(char *line, size_t size, int t)
{
	static const char *const l3_names[N_L3] = { "", "ip", "tcp", "udp", "arp", "ipv6" };
	char buf[1024];
	int len = 0;
	enum l3 l3 = (enum l3)pick(N_L3);
	bool ip = l3 == L3_IP || l3 == L3_TCP || l3 == L3_UDP;

	APPEND(buf, len, "table=%d,priority=%u", t, pick(6));
	if (l3 != L3_NONE)
		APPEND(buf, len, ",%s", l3_names[l3]);
	if (pick(2))
		APPEND(buf, len, ",in_port=%u", 1 + pick(3));
	if (pick(5) == 0)
		APPEND(buf, len, ",dl_vlan=%u", 1 + pick(2));
	if (pick(6) == 0)
		APPEND(buf, len, ",dl_dst=00:00:00:00:00:0%u", pick(3));
	if (pick(4) == 0)
		APPEND(buf, len, ",reg0=%u", pick(3));
	if (pick(8) == 0)
		APPEND(buf, len, ",metadata=%u", pick(2));
	if (ip && pick(2))
		APPEND(buf, len, ",nw_dst=10.%u.%u.0/%u", pick(2), pick(4), 8 + 8 * pick(3));
	if (ip && pick(3) == 0)
		APPEND(buf, len, ",nw_src=192.168.0.%u/%u", pick(4), 30 + pick(3));
	if ((l3 == L3_TCP || l3 == L3_UDP) && pick(2))
		APPEND(buf, len, ",tp_dst=%u", 80 + pick(3));
	if ((l3 == L3_TCP || l3 == L3_UDP) && pick(4) == 0)
		APPEND(buf, len, ",tp_src=%u", 1000 + 16 * pick(3));
	if (l3 == L3_ARP && pick(2))
		APPEND(buf, len, ",arp_tpa=10.0.0.%u", pick(3));
	if (l3 == L3_IPV6 && pick(2))
		APPEND(buf, len, ",ipv6_dst=2001:db8::%x/%u", pick(3), 112 + 8 * pick(3));
	if (pick(6) == 0)
		APPEND(buf, len, ",conj_id=%u", 1 + pick(2));
	APPEND(buf, len, ",actions=");
	if (pick(5) == 0) {
		/* a conjunctive ("soft") flow: its only actions */
		APPEND(buf, len, "conjunction(%u,%u/2)", 1 + pick(2), 1 + pick(2));
		if (pick(3) == 0)
			APPEND(buf, len, ",conjunction(3,%u/2)", 1 + pick(2));
		snprintf(line, size, "%s\n", buf);
		return;
	}

	unsigned n = pick(5);
	bool goto_last = t < N_OFP_TABLES - 1 && pick(3) == 0;
	for (unsigned i = 0; i < n; i++) {
		if (i)
			APPEND(buf, len, ",");
		switch (pick(18)) {
		case 8: APPEND(buf, len, "output:NXM_NX_REG0[0..15]"); break;
		case 9: APPEND(buf, len, "push:NXM_NX_REG0[],pop:NXM_NX_REG1[]"); break;
		case 10:
			APPEND(buf, len, "clone(mod_dl_dst:00:00:00:00:00:0%u,output:%u)", pick(3),
			       1 + pick(4));
			break;
		case 11: APPEND(buf, len, "set_field:0x%x->xreg0", pick(4)); break;
		case 12: APPEND(buf, len, "mod_vlan_pcp:%u", pick(8)); break;
		case 0: APPEND(buf, len, "output:%u", 1 + pick(4)); break;
		case 1: APPEND(buf, len, pick(2) ? "in_port" : "controller"); break;
		case 2: APPEND(buf, len, "resubmit(,%u)", pick(N_OFP_TABLES)); break;
		case 3: APPEND(buf, len, "load:%u->NXM_NX_REG0[]", pick(3)); break;
		case 4: APPEND(buf, len, "move:NXM_OF_IN_PORT[]->NXM_NX_REG0[0..15]"); break;
		case 5: APPEND(buf, len, "mod_dl_dst:00:00:00:00:00:0%u", pick(3)); break;
		case 6: APPEND(buf, len, "mod_vlan_vid:%u", 1 + pick(2)); break;
		case 7: APPEND(buf, len, pick(2) ? "strip_vlan" : "push_vlan:0x8100"); break;
		default:
			if (ip) {
				switch (pick(6)) {
				case 0: APPEND(buf, len, "mod_nw_dst:10.0.%u.1", pick(3)); break;
				case 1: APPEND(buf, len, "dec_ttl"); break;
				case 2: APPEND(buf, len, "mod_nw_tos:%u", 4 * pick(3)); break;
				case 3: APPEND(buf, len, "move:NXM_OF_IP_SRC[0..7]->NXM_NX_REG0[0..7]"); break;
				case 4: APPEND(buf, len, "load:%u->NXM_OF_IP_DST[0..3]", pick(3)); break;
				default:
					if (l3 == L3_TCP && pick(2))
						APPEND(buf, len, "load:%u->NXM_OF_TCP_DST[0..3]", pick(4));
					else if (l3 == L3_TCP || l3 == L3_UDP)
						APPEND(buf, len, "mod_tp_dst:%u", 80 + pick(3));
					else
						APPEND(buf, len, "output:%u", 1 + pick(4));
				}
			} else if (l3 == L3_IPV6 && pick(2)) {
				APPEND(buf, len, "set_field:2001:db8::%x->ipv6_dst", pick(3));
			} else if (l3 == L3_ARP && pick(2)) {
				APPEND(buf, len, "set_field:10.0.0.%u->arp_tpa", pick(3));
			} else {
				APPEND(buf, len, "output:%u", 1 + pick(4));
			}
		}
	}
	/* Instructions: write_metadata, then goto_table, both last. */
	if (pick(6) == 0) {
		APPEND(buf, len, "%swrite_metadata:%u", n ? "," : "", pick(2));
		n++;
	}
	if (goto_last)
		APPEND(buf, len, "%sgoto_table:%d", n ? "," : "", t + 1 + (int)pick(N_OFP_TABLES - 1 - t));
	else if (!n)
		APPEND(buf, len, "drop");
	snprintf(line, size, "%s\n", buf);
}

static void random_packet(struct ofp_key *k)
{
	static const uint16_t types[] = { 0x0800, 0x0800, 0x0806, 0x86dd, 0x88cc };

	memset(k, 0, sizeof(*k));
	k->dp.in_port = 1 + pick(3);
	k->dp.dl_dst[5] = (uint8_t)pick(3);
	k->dp.dl_type = htons(types[pick(5)]);
	if (pick(3) == 0) {
		k->dp.vlan[0].tpid = htons(0x8100);
		k->dp.vlan[0].tci = htons((uint16_t)(0x1000 | (1 + pick(2))));
	}
	k->dp.nw_proto = (uint8_t)(pick(2) ? 6 : 17);
	k->dp.nw_ttl = (uint8_t)(pick(3) ? 64 : pick(3));
	k->dp.nw_tos = (uint8_t)pick(16);
	k->dp.nw_src = htonl(0xc0a80000 | pick(6));
	k->dp.nw_dst = htonl(0x0a000000 | pick(2) << 16 | pick(4) << 8 | pick(3));
	k->dp.tp_dst = htons((uint16_t)(80 + pick(3)));
	k->dp.tp_src = htons((uint16_t)(1000 + 16 * pick(4)));
	k->dp.ipv6_dst[0] = 0x20;
	k->dp.ipv6_dst[1] = 0x01;
	k->dp.ipv6_dst[15] = (uint8_t)pick(3);
}

/* A packet that agrees with p on every bit of mask; the other bits are
 * either another plausible packet's or plain random. */
static void variant(const struct ofp_key *p, const struct xs_flow_key *mask, struct ofp_key *v)
{
	uint8_t *vb = (uint8_t *)&v->dp;
	const uint8_t *pb = (const uint8_t *)&p->dp, *mb = (const uint8_t *)mask;

	random_packet(v);
	if (pick(2))
		for (size_t i = 0; i < sizeof(struct xs_flow_key); i++)
			vb[i] = (uint8_t)rnd();
	for (size_t i = 0; i < sizeof(v->dp); i++)
		vb[i] = (uint8_t)((pb[i] & mb[i]) | (vb[i] & ~mb[i]));
}

static char text[16384];

/* Prints a key (all datapath fields) or a megaflow for a failure report. */
static void show(const char *what, const struct ofp_key *k, const struct xs_flow_key *mask)
{
	struct ofp_match m;
	char buf[2048];

	memset(&m, 0, sizeof(m));
	if (mask)
		m.mask.dp = *mask;
	else
		memset(&m.mask.dp, 0xff, sizeof(struct xs_flow_key));
	const uint8_t *kb = (const uint8_t *)&k->dp, *mb = (const uint8_t *)&m.mask.dp;
	uint8_t *vb = (uint8_t *)&m.value.dp;
	for (size_t i = 0; i < sizeof(m.value.dp); i++)
		vb[i] = kb[i] & mb[i];
	ofp_format_match(&m, buf, sizeof(buf));
	fprintf(stderr, "%s: %s\n", what, buf);
}

static void load_random_tables(struct flow_tables *ft)
{
	char line[1100];
	size_t len = 0;
	struct ofp_flow *flows;
	size_t n;
	struct xs_err err;

	text[0] = 0;
	for (int t = 0; t < N_OFP_TABLES; t++) {
		unsigned n_rules = 1 + pick(10);
		for (unsigned i = 0; i < n_rules; i++) {
			random_flow(line, sizeof(line), t);
			len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", line);
		}
	}
	if (ofp_parse_flow_text(text, OFP_PARSE_ADD, &flows, &n, &err)) {
		print_error("generated flow %d:%d: %s\n%s", err.line, err.col, err.msg, text);
		fail();
	}
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(ft_add(ft, &flows[i], 0), 0);
		ofp_flow_free(&flows[i]);
	}
	free(flows);
}

static void test_megaflow_soundness(void **state)
{
	static const uint32_t ports[] = { 1, 2, 3, 4 };
	unsigned long cases = 0, errors = 0, nonempty = 0;
	(void)state;

	for (int s = 0; s < N_TABLE_SETS; s++) {
		struct flow_tables ft;

		flow_tables_init(&ft);
		ft.ports = ports;
		ft.n_ports = 4;
		load_random_tables(&ft);
		for (int p = 0; p < N_PACKETS; p++) {
			struct ofp_key pkt, v;
			struct xlate_result r0 = { .trace = NULL }, r1 = { .trace = NULL };
			int e0;

			random_packet(&pkt);
			e0 = xlate(&ft, &pkt, &r0);
			errors += e0 != 0;
			nonempty += r0.n_actions != 0;
			for (int j = 0; j < N_VARIANTS; j++) {
				variant(&pkt, &r0.mask, &v);
				int e1 = xlate(&ft, &v, &r1);
				if (e1 != e0 || r1.n_actions != r0.n_actions ||
				    memcmp(r1.actions, r0.actions, r0.n_actions * sizeof(r0.actions[0]))) {
					print_error("table set %d packet %d variant %d: err %d/%d, "
						    "%u/%u actions\n", s, p, j, e0, e1,
						    r0.n_actions, r1.n_actions);
					fprintf(stderr, "%s", text);
					show("packet", &pkt, NULL);
					show("megaflow", &pkt, &r0.mask);
					show("variant", &v, NULL);
					for (unsigned a = 0; a < r1.n_actions; a++)
						fprintf(stderr, "variant action %u: type %u arg %u\n", a,
							r1.actions[a].type, r1.actions[a].arg);
					for (size_t b = 0; b < sizeof(v.dp); b++)
						fprintf(stderr, "%02x", ((uint8_t *)&v.dp)[b]);
					fprintf(stderr, "\n");
					fail();
				}
				cases++;
			}
		}
		flow_tables_destroy(&ft);
	}
	print_message("# megaflow soundness: %lu packets checked (%d table sets, %lu "
		      "translations with actions, %lu ending in an error)\n", cases,
		      N_TABLE_SETS, nonempty, errors);
	/* The generator must exercise both outcomes. */
	assert_true(nonempty > N_TABLE_SETS);
	assert_true(nonempty < (unsigned long)N_TABLE_SETS * N_PACKETS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_megaflow_soundness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
