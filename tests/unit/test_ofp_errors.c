// SPDX-License-Identifier: Apache-2.0
/* Unit tests for every error the ovs-ofctl text parser reports: the exact
 * message, its column, and for flow files its line; nothing is returned. */
#include "tests/lib/xs_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/ofp/flow.h"

#define ADD OFP_PARSE_ADD
#define MOD OFP_PARSE_MODIFY
#define DEL OFP_PARSE_DELETE
#define PKT OFP_PARSE_PACKET

static const struct {
	enum ofp_parse_mode mode;
	const char *text;
	int col;
	const char *msg;
} cases[] = {
	{ ADD, "tp_dst=80 actions=drop", 1,
	  "tp_dst requires tcp, udp or sctp (nw_proto=6, 17 or 132, over ip or ipv6)" },
	{ ADD, "nw_src=1.2.3.4 actions=drop", 1,
	  "nw_src requires ip or arp (dl_type=0x0800 or 0x0806)" },
	{ ADD, "icmp_type=3 actions=drop", 1,
	  "icmp_type requires icmp or icmp6" },
	{ ADD, "ip,icmp_code=3 actions=drop", 4,
	  "icmp_code requires icmp or icmp6" },
	{ ADD, "tcp_flags=+syn actions=drop", 1,
	  "tcp_flags requires tcp or tcp6 (nw_proto=6)" },
	{ ADD, "arp_op=1 actions=drop", 1,
	  "arp_op requires arp (dl_type=0x0806)" },
	{ ADD, "ip_ecn=1 actions=drop", 1,
	  "ip_ecn requires ip or ipv6 (dl_type=0x0800 or 0x86dd)" },
	{ ADD, "ipv6_label=1 actions=drop", 1,
	  "ipv6_label requires ipv6 (dl_type=0x86dd)" },
	{ ADD, "ip,ipv6_src=::1 actions=drop", 4,
	  "ipv6_src requires ipv6 (dl_type=0x86dd)" },
	{ ADD, "icmp6,nd_target=::1 actions=drop", 7,
	  "nd_target requires icmp6 with icmp_type=135 or 136 and icmp_code=0" },
	{ ADD, "icmp,icmpv6_type=1 actions=drop", 6,
	  "icmpv6_type requires icmp6 (dl_type=0x86dd,nw_proto=58)" },
	{ ADD, "dl_vlan_pcp=1,vlan_tci=0 actions=drop", 15,
	  "vlan_tci conflicts with an earlier field of this match" },
	{ ADD, "ip,dl_vlan=4096 actions=drop", 12,
	  "dl_vlan: value 4096 is out of range (0 to 4095)" },
	{ ADD, "dl_vlan=abc actions=drop", 9,
	  "dl_vlan: value 'abc' is not a number" },
	{ ADD, "priority=65536 actions=drop", 10,
	  "priority: 65536 is out of range (0 to 65535)" },
	{ ADD, "priority=-1 actions=drop", 10,
	  "priority: '-1' is not a number" },
	{ ADD, "table=254 actions=drop", 7,
	  "table: 254 is out of range (0 to 253)" },
	{ ADD, "idle_timeout=70000 actions=drop", 14,
	  "idle_timeout: 70000 is out of range (0 to 65535)" },
	{ ADD, "hard_timeout=x actions=drop", 14,
	  "hard_timeout: 'x' is not a number" },
	{ ADD, "in_port=65280 actions=drop", 9,
	  "in_port: port 65280 is out of range (0 to 65279, or a reserved port)" },
	{ ADD, "in_port=eth0 actions=drop", 9,
	  "in_port: 'eth0' is not a port number or name" },
	{ ADD, "in_port=99999999999 actions=drop", 9,
	  "in_port: port 99999999999 is out of range (0 to 65279, or a reserved port)" },
	{ ADD, "tcp,udp actions=drop", 5,
	  "udp conflicts with an earlier field of this match" },
	{ ADD, "tcp,tcp actions=drop", 5,
	  "tcp given twice" },
	{ ADD, "ip,nw_src=1.1.1.1,ip_src=2.2.2.2 actions=drop", 19,
	  "nw_src given twice" },
	{ ADD, "priority=1,priority=2 actions=drop", 12,
	  "priority given twice" },
	{ ADD, "foo=1 actions=drop", 1,
	  "unknown field 'foo'" },
	{ ADD, "ip=1 actions=drop", 1,
	  "ip takes no value" },
	{ ADD, "dl_type actions=drop", 1,
	  "dl_type: missing value (write dl_type=VALUE)" },
	{ ADD, "ip,nw_src= actions=drop", 11,
	  "nw_src: missing value" },
	{ ADD, "=5 actions=drop", 1,
	  "missing field name before '='" },
	{ ADD, "ip actions:drop", 4,
	  "write actions=..., not actions:" },
	{ ADD, "ip actions", 4,
	  "actions needs '=' and an action list" },
	{ ADD, "in_port=1", 10,
	  "missing actions=... (use actions=drop to drop)" },
	{ ADD, "in_port=1/1 actions=drop", 10,
	  "in_port: field does not support masks" },
	{ ADD, "ip,nw_src=1.2.3.4/ actions=drop", 19,
	  "nw_src: missing mask after '/'" },
	{ ADD, "ip,nw_src=10.0.0.0/33 actions=drop", 20,
	  "nw_src: prefix length 33 is out of range (0 to 32)" },
	{ ADD, "ip,nw_src=10.0.0.0/x actions=drop", 20,
	  "nw_src: 'x' is not a prefix length" },
	{ ADD, "ip,nw_src=1.2.3.4/0.0.0.x actions=drop", 19,
	  "nw_src: '0.0.0.x' is not an IPv4 address" },
	{ ADD, "ip,nw_dst=1.2.3 actions=drop", 11,
	  "nw_dst: '1.2.3' is not an IPv4 address" },
	{ ADD, "ipv6,ipv6_src=2001:db8::/ffff:0:fffg:: actions=drop", 26,
	  "ipv6_src: 'ffff:0:fffg::' is not an IPv6 address" },
	{ ADD, "ipv6,ipv6_dst=2001:db8:::1 actions=drop", 15,
	  "ipv6_dst: '2001:db8:::1' is not an IPv6 address" },
	{ ADD, "dl_src=00:11:22:33:44 actions=drop", 8,
	  "dl_src: '00:11:22:33:44' is not an Ethernet address" },
	{ ADD, "tcp,tp_dst=65536 actions=drop", 12,
	  "tp_dst: value 65536 is out of range (0 to 65535)" },
	{ ADD, "tcp,tp_dst=80/0x1ffff actions=drop", 15,
	  "tp_dst: mask 0x1ffff is out of range (0 to 65535)" },
	{ ADD, "ip,nw_tos=3 actions=drop", 11,
	  "nw_tos: 3 has ECN bits set (nw_tos takes the DSCP bits: a multiple of 4)" },
	{ ADD, "ip,ip_frag=maybe actions=drop", 12,
	  "ip_frag: unknown value 'maybe' (no, yes, first, later or not_later)" },
	{ ADD, "tcp,tcp_flags=+syn+syn actions=drop", 20,
	  "tcp_flags: flag syn given twice" },
	{ ADD, "tcp,tcp_flags=+foo actions=drop", 16,
	  "tcp_flags: unknown TCP flag 'foo'" },
	{ ADD, "tcp,tcp_flags=syn|bar actions=drop", 19,
	  "tcp_flags: unknown TCP flag 'bar'" },
	{ ADD, "tcp,tcp_flags=0x1000 actions=drop", 15,
	  "tcp_flags: 0x1000 is out of range (0 to 4095)" },
	{ ADD, "metadata=0x10000000000000000 actions=drop", 10,
	  "metadata: value 0x10000000000000000 does not fit in 64 bits" },
	{ ADD, "reg0=0x100000000 actions=drop", 6,
	  "reg0: value 0x100000000 does not fit in 32 bits" },
	{ ADD, "reg16=1 actions=drop", 1,
	  "unknown field 'reg16'" },
	{ ADD, "cookie=1/1 actions=drop", 9,
	  "cookie: adding flows cannot use a cookie mask" },
	{ ADD, "cookie=zz actions=drop", 8,
	  "cookie: 'zz' is not a number" },
	{ ADD, "actions=bogus", 9,
	  "unknown or unsupported action 'bogus'" },
	{ ADD, "actions=output:2,bogus(1)", 18,
	  "unknown or unsupported action 'bogus'" },
	{ ADD, "actions=goto_table:1,output:2", 22,
	  "output: nothing may follow goto_table (it must be the last instruction)" },
	{ ADD, "table=3 actions=goto_table:2", 28,
	  "goto_table:2 must go to a later table than this flow's table 3" },
	{ ADD, "table=3 actions=goto_table:3", 28,
	  "goto_table:3 must go to a later table than this flow's table 3" },
	{ ADD, "actions=goto_table:254", 20,
	  "goto_table: 254 is out of range (0 to 253)" },
	{ ADD, "actions=goto_table", 9,
	  "goto_table needs an argument (goto_table:TABLE)" },
	{ ADD, "actions=write_metadata:1,output:2", 26,
	  "output must come before write_metadata (instruction order)" },
	{ ADD, "actions=write_metadata:1,write_metadata:2", 26,
	  "write_metadata given twice" },
	{ ADD, "actions=write_metadata:x", 24,
	  "write_metadata: 'x' is not a number" },
	{ ADD, "actions=write_metadata:1/y", 26,
	  "write_metadata: mask: 'y' is not a number" },
	{ ADD, "actions=write_metadata:1,7", 26,
	  "7 must come before write_metadata (instruction order)" },
	{ ADD, "actions=drop,output:1", 9,
	  "drop must be the only action" },
	{ ADD, "actions=output:1,drop", 18,
	  "drop must be the only action" },
	{ ADD, "actions=drop,drop", 9,
	  "drop must be the only action" },
	{ ADD, "actions=drop:1", 14,
	  "drop takes no argument" },
	{ ADD, "actions=output:table", 16,
	  "output to TABLE is not supported in a flow" },
	{ ADD, "actions=output:none", 16,
	  "output to NONE is not supported in a flow" },
	{ ADD, "actions=output:70000", 16,
	  "output: port 70000 is out of range (0 to 65279, or a reserved port)" },
	{ ADD, "actions=output", 9,
	  "output needs an argument (output:PORT or output:FIELD[RANGE])" },
	{ ADD, "actions=output(port=1,max_len=2)", 9,
	  "output(...) is not supported (write output:PORT)" },
	{ ADD, "actions=set_field:1->dl_type", 22,
	  "set_field: field dl_type is not writable" },
	{ ADD, "actions=set_field:1->nosuch", 22,
	  "set_field: unknown field 'nosuch'" },
	{ ADD, "actions=set_field:1", 19,
	  "set_field: '1' lacks '->' (write set_field:VALUE->FIELD)" },
	{ ADD, "actions=set_field:5->dl_vlan", 22,
	  "set_field: dl_vlan requires a VLAN tag (dl_vlan, or vlan_tci with bit 0x1000 set) in the match" },
	{ ADD, "actions=set_field:1.2.3.4->nw_src", 28,
	  "set_field: nw_src requires ip (dl_type=0x0800) in the match" },
	{ ADD, "ip,actions=set_field:3->nw_tos", 22,
	  "set_field: nw_tos value 3 has ECN bits set (a multiple of 4 is needed)" },
	{ ADD, "actions=set_field:1/1->in_port", 20,
	  "in_port: field does not support masks" },
	{ ADD, "actions=set_field:1.2.3.4->reg0", 19,
	  "reg0: value '1.2.3.4' is not a number" },
	{ ADD, "actions=mod_nw_src:1.2.3.4", 20,
	  "mod_nw_src: nw_src requires ip (dl_type=0x0800) in the match" },
	{ ADD, "ip,actions=mod_nw_tos:3", 23,
	  "mod_nw_tos: 3 has ECN bits set (a multiple of 4 is needed)" },
	{ ADD, "ip,actions=mod_nw_tos:300", 23,
	  "nw_tos: value 300 is out of range (0 to 255)" },
	{ ADD, "actions=mod_dl_src", 9,
	  "mod_dl_src needs an argument (VALUE)" },
	{ ADD, "actions=mod_dl_src:1.2.3.4", 20,
	  "dl_src: '1.2.3.4' is not an Ethernet address" },
	{ ADD, "actions=load:1", 14,
	  "load: '1' lacks '->' (write load:VALUE->FIELD[RANGE])" },
	{ ADD, "actions=load:x->reg0[]", 14,
	  "load: value 'x' is not a number" },
	{ ADD, "actions=load:0x1ff->NXM_NX_REG0[0..7]", 14,
	  "load: value 0x1ff does not fit in 8 bits" },
	{ ADD, "actions=load:1->NXM_NX_REG0[0..40]", 29,
	  "load: bit range [0..40] is out of range (reg0 has 32 bits)" },
	{ ADD, "actions=load:1->NXM_NX_REG0[5..2]", 29,
	  "load: bit range [5..2] is backwards" },
	{ ADD, "actions=load:1->NXM_NX_REG0[0..7", 17,
	  "load: 'NXM_NX_REG0[0..7' lacks a closing ']'" },
	{ ADD, "actions=load:1->NXM_NX_REG0[a..7]", 29,
	  "load: bit index: 'a' is not a number" },
	{ ADD, "actions=load:1->dl_type[]", 17,
	  "load: field dl_type is not writable" },
	{ ADD, "actions=load:1->foo[]", 17,
	  "load: unknown field 'foo'" },
	{ ADD, "actions=load:1->NXM_OF_TCP_DST[]", 17,
	  "load: tcp_dst requires tcp or tcp6 (nw_proto=6) in the match" },
	{ ADD, "actions=load:0x1000000000000000000000000000000000->reg0[]", 14,
	  "load: value 0x1000000000000000000000000000000000 does not fit in 32 bits" },
	{ ADD, "actions=move:reg0[0..7]->reg1[]", 14,
	  "move: source has 8 bits but destination has 32" },
	{ ADD, "actions=move:reg0[]", 14,
	  "move: 'reg0[]' lacks '->' (write move:SRC[RANGE]->DST[RANGE])" },
	{ ADD, "actions=move:reg0[]->nw_proto[]", 22,
	  "move: field nw_proto is not writable" },
	{ ADD, "actions=move:NXM_OF_IP_SRC[]->reg0[]", 14,
	  "move: nw_src requires ip (dl_type=0x0800) in the match" },
	{ ADD, "actions=mod_vlan_vid:4096", 22,
	  "mod_vlan_vid: 4096 is out of range (0 to 4095)" },
	{ ADD, "actions=mod_vlan_pcp:8", 22,
	  "mod_vlan_pcp: 8 is out of range (0 to 7)" },
	{ ADD, "actions=push_vlan:0x800", 19,
	  "push_vlan: ethertype 0x800 is not 0x8100 or 0x88a8" },
	{ ADD, "actions=push_vlan", 9,
	  "push_vlan needs an argument (push_vlan:ETHERTYPE)" },
	{ ADD, "actions=strip_vlan:1", 20,
	  "strip_vlan takes no argument" },
	{ ADD, "actions=controller(reason=bogus)", 27,
	  "controller: unknown reason 'bogus' (action, no_match or invalid_ttl)" },
	{ ADD, "actions=controller(max_len=70000)", 28,
	  "controller: max_len: 70000 is out of range (0 to 65535)" },
	{ ADD, "actions=controller(id=x)", 23,
	  "controller: id: 'x' is not a number" },
	/* The rest of the flow language (issue 12). */
	{ ADD, "actions=dec_ttl:1", 17,
	  "dec_ttl takes no argument (write dec_ttl or dec_ttl(ID,...))" },
	{ ADD, "actions=dec_ttl(1,x)", 19,
	  "dec_ttl: controller id: 'x' is not a number" },
	{ ADD, "actions=dec_ttl(1,2,3,4,5,6,7,8,9)", 17,
	  "dec_ttl: more than 8 controller ids" },
	{ ADD, "actions=dec_ttl(70000)", 17,
	  "dec_ttl: controller id: 70000 is out of range (0 to 65535)" },
	{ ADD, "actions=controller(userdata=1)", 29,
	  "controller: userdata: '1' is not a hex byte (write pairs of hex digits, dots between bytes optional)" },
	{ ADD, "actions=controller(userdata=0g)", 29,
	  "controller: userdata: '0g' is not a hex byte (write pairs of hex digits, dots between bytes optional)" },
	{ ADD, "actions=controller(pause)", 20,
	  "controller: option 'pause' is not supported (max_len=N, reason=R, id=N or userdata=HEX)" },
	{ ADD, "actions=conjunction(1,1/2),output:1", 28,
	  "conjunction actions may be used along with note but not with any other action (such as 'output:1')" },
	{ ADD, "actions=output:1,conjunction(1,1/2)", 9,
	  "conjunction actions may be used along with note but not with any other action (such as 'output:1')" },
	{ ADD, "actions=conjunction(1,3/2)", 23,
	  "conjunction: clause 3 is not in 1..2" },
	{ ADD, "actions=conjunction(1,0/2)", 23,
	  "conjunction: clause 0 is not in 1..2" },
	{ ADD, "actions=conjunction(1,1/1)", 25,
	  "conjunction: 1 clauses (it takes 2 to 64)" },
	{ ADD, "actions=conjunction(1,1/65)", 25,
	  "conjunction: 65 clauses (it takes 2 to 64)" },
	{ ADD, "actions=conjunction(1)", 9,
	  "conjunction syntax is conjunction(ID,K/N)" },
	{ ADD, "actions=conjunction(x,1/2)", 21,
	  "conjunction: id: 'x' is not a number" },
	{ ADD, "actions=conjunction:1", 9,
	  "conjunction syntax is conjunction(ID,K/N)" },
	{ ADD, "actions=conjunction(4294967296,1/2)", 21,
	  "conjunction: id: 4294967296 is out of range (0 to 4294967295)" },
	{ ADD, "actions=note:1", 14,
	  "note: '1' is not a hex byte (write pairs of hex digits, dots between bytes optional)" },
	{ ADD, "actions=note:xx", 14,
	  "note: 'xx' is not a hex byte (write pairs of hex digits, dots between bytes optional)" },
	{ ADD, "actions=note(01)", 9,
	  "note syntax is note:HEX.HEX..." },
	{ ADD, "actions=push:foo[]", 14,
	  "push: unknown field 'foo'" },
	{ ADD, "actions=push", 9,
	  "push needs an argument (push:FIELD[RANGE])" },
	{ ADD, "actions=pop:reg0[0..40]", 18,
	  "pop: bit range [0..40] is out of range (reg0 has 32 bits)" },
	{ ADD, "actions=pop:dl_type[]", 13,
	  "pop: field dl_type is not writable" },
	{ ADD, "actions=push:tcp_src[]", 14,
	  "push: tcp_src requires tcp or tcp6 (nw_proto=6) in the match" },
	{ ADD, "actions=output:reg0[5..4]", 21,
	  "output: bit range [5..4] is backwards" },
	{ ADD, "actions=output:NXM_NX_REG0[0..15", 16,
	  "output: 'NXM_NX_REG0[0..15' lacks a closing ']'" },
	{ ADD, "actions=output:bogus[]", 16,
	  "output: unknown field 'bogus'" },
	{ ADD, "actions=clone(goto_table:2)", 15,
	  "goto_table: an instruction is not allowed inside clone(...)" },
	{ ADD, "actions=clone(output:1", 9,
	  "'clone(output:1' lacks a closing ')' at its end" },
	{ ADD, "actions=clone(write_metadata:1)", 15,
	  "write_metadata: an instruction is not allowed inside clone(...)" },
	{ ADD, "actions=clone", 9,
	  "clone syntax is clone(ACTIONS)" },
	{ ADD, "ip,actions=set_field:4196->vlan_vid", 28,
	  "set_field: vlan_vid requires a VLAN tag (dl_vlan, or vlan_tci with bit 0x1000 set) in the match" },
	{ ADD, "ip,NXM_OF_IP_SRC=1.2.3.4,actions=drop", 4,
	  "unknown field 'NXM_OF_IP_SRC'" },
	{ ADD, "ip,actions=set_field:1.2.3.4->NXM_OF_IP_SRC", 31,
	  "set_field: unknown field 'NXM_OF_IP_SRC'" },
	{ ADD, "udp,tcp_src=80,actions=drop", 5,
	  "tcp_src requires tcp or tcp6 (nw_proto=6)" },
	{ ADD, "tcp,actions=set_field:80->udp_src", 27,
	  "set_field: udp_src requires udp or udp6 (nw_proto=17) in the match" },
	{ ADD, "icmp6,icmp_type=136,nd_sll=00:00:00:00:00:01,actions=drop", 21,
	  "nd_sll requires icmp6 with icmp_type=135 and icmp_code=0" },
	{ ADD, "icmp6,icmp_type=135,nd_tll=00:00:00:00:00:01,actions=drop", 21,
	  "nd_tll requires icmp6 with icmp_type=136 and icmp_code=0" },
	{ ADD, "icmp6,icmp_type=135,actions=set_field:00:00:00:00:00:01->nd_sll", 58,
	  "set_field: field nd_sll is not writable" },
	{ ADD, "vlan_vid=0x2000,actions=drop", 10,
	  "vlan_vid: value 0x2000 is out of range (0 to 8191)" },
	{ ADD, "xreg8=1,actions=drop", 1,
	  "unknown field 'xreg8'" },
	{ ADD, "xxreg0=1/2/3,actions=drop", 10,
	  "xxreg0: mask '2/3' is not a number" },
	{ ADD, "actions=move:xreg0[0..64]->xxreg0[0..64]", 20,
	  "move: bit range [0..64] is out of range (xreg0 has 64 bits)" },
	{ ADD, "actions=load:0x1ffff->xreg0[0..15]", 14,
	  "load: value 0x1ffff does not fit in 16 bits" },
	{ ADD, "conj_id=1/1,actions=drop", 10,
	  "conj_id: field does not support masks" },
	{ ADD, "actions=load:1->conj_id[]", 17,
	  "load: field conj_id is not writable" },
	{ ADD, "actions=controller:x", 20,
	  "controller: max_len: 'x' is not a number" },
	{ ADD, "actions=resubmit(,)", 18,
	  "resubmit: give a port other than in_port, a table, or both" },
	{ ADD, "actions=resubmit(in_port)", 18,
	  "resubmit: give a port other than in_port, a table, or both" },
	{ ADD, "actions=resubmit:IN_PORT", 18,
	  "resubmit: give a port other than in_port, a table, or both" },
	{ ADD, "actions=resubmit(1,2,3)", 20,
	  "resubmit: only (PORT,TABLE) is supported" },
	{ ADD, "actions=resubmit(,254)", 19,
	  "resubmit: table: 254 is out of range (0 to 253)" },
	{ ADD, "actions=resubmit:normal", 18,
	  "resubmit: NORMAL is not an ingress port" },
	{ ADD, "actions=resubmit:bogus", 18,
	  "resubmit: 'bogus' is not a port number or name" },
	{ ADD, "actions=resubmit", 9,
	  "resubmit needs an argument (resubmit:PORT or resubmit(PORT,TABLE))" },
	{ ADD, "actions=resubmit(,1", 9,
	  "'resubmit(,1' lacks a closing ')' at its end" },
	{ DEL, "cookie=1 actions=drop", 8,
	  "cookie: deleting flows needs cookie=VALUE/MASK (a cookie cannot be set here)" },
	{ ADD, "out_port=1 actions=drop", 1,
	  "out_port is not allowed when adding flows" },
	{ MOD, "out_port=1 actions=drop", 1,
	  "out_port is not allowed when modifying flows" },
	{ DEL, "out_port=eth1", 10,
	  "out_port: 'eth1' is not a port number or name" },
	{ DEL, "out_port=1,out_port=2", 12,
	  "out_port given twice" },
	{ DEL, "idle_timeout=1", 1,
	  "idle_timeout is not allowed when deleting flows" },
	{ DEL, "hard_timeout=1", 1,
	  "hard_timeout is not allowed when deleting flows" },
	{ DEL, "tcp actions=drop", 5,
	  "actions are not allowed when deleting flows" },
	{ MOD, "cookie=1/zz actions=drop", 10,
	  "cookie mask: 'zz' is not a number" },
	{ MOD, "tcp", 4,
	  "missing actions=... (use actions=drop to drop)" },
	{ PKT, "priority=1", 1,
	  "priority is not allowed in a packet" },
	{ PKT, "table=1", 1,
	  "table is not allowed in a packet" },
	{ PKT, "cookie=1/1", 1,
	  "cookie is not allowed in a packet" },
	{ PKT, "ip,nw_src=1.2.3.0/24", 18,
	  "nw_src: masks are not allowed here" },
	{ PKT, "ip,ip_frag=no,ip_frag=no", 15,
	  "ip_frag given twice" },
	{ PKT, "tcp,tcp_flags=+syn", 15,
	  "tcp_flags: masks are not allowed here" },
	{ PKT, "tcp,tcp_flags=0x2/0x2", 18,
	  "tcp_flags: masks are not allowed here" },
	{ PKT, "tcp actions=drop", 5,
	  "actions are not allowed in a packet" },
	{ PKT, "ip,nw_src=1.2.3.4,nw_src=1.2.3.4", 19,
	  "nw_src given twice" },
	/* LOCAL: this bridge has no internal port, in any spelling or place */
#define NO_LOCAL "this bridge has no LOCAL port (xdpswitch has no internal port; "
	{ ADD, "actions=local", 9, "'local': " NO_LOCAL "output to a real port)" },
	{ ADD, "actions=LOCAL", 9, "'LOCAL': " NO_LOCAL "output to a real port)" },
	{ ADD, "ip actions=2,Local", 14, "'Local': " NO_LOCAL "output to a real port)" },
	{ ADD, "ip actions=output:LOCAL", 19,
	  "output: 'LOCAL': " NO_LOCAL "output to a real port)" },
	{ ADD, "actions=output:65534", 16, "output: '65534': " NO_LOCAL "output to a real port)" },
	{ ADD, "actions=output:0xfffe", 16,
	  "output: '0xfffe': " NO_LOCAL "output to a real port)" },
	{ ADD, "actions=65534", 9, "'65534': " NO_LOCAL "output to a real port)" },
	{ ADD, "in_port=LOCAL actions=drop", 9, "in_port: 'LOCAL': " NO_LOCAL "use a real port)" },
	{ ADD, "in_port=65534 actions=drop", 9, "in_port: '65534': " NO_LOCAL "use a real port)" },
	{ ADD, "actions=resubmit(LOCAL,1)", 18,
	  "resubmit: 'LOCAL': " NO_LOCAL "use a real port)" },
	{ ADD, "actions=resubmit:local", 18, "resubmit: 'local': " NO_LOCAL "use a real port)" },
	{ ADD, "actions=set_field:LOCAL->in_port", 19,
	  "in_port: 'LOCAL': " NO_LOCAL "use a real port)" },
	{ MOD, "in_port=local actions=drop", 9, "in_port: 'local': " NO_LOCAL "use a real port)" },
	{ MOD, "ip actions=local", 12, "'local': " NO_LOCAL "output to a real port)" },
	{ DEL, "out_port=LOCAL", 10, "out_port: 'LOCAL': " NO_LOCAL "use a real port)" },
	{ PKT, "in_port=LOCAL,ip", 9, "in_port: 'LOCAL': " NO_LOCAL "use a real port)" },
	/* cookies: mod-flows takes one to select and one to set */
	{ MOD, "cookie=1,cookie=2 actions=drop", 10, "cookie given twice (mod-flows takes one "
	  "cookie=VALUE/MASK to select flows and one cookie=VALUE to set)" },
	{ MOD, "cookie=1/1,ip,cookie=2/2 actions=drop", 15, "cookie given twice (mod-flows takes "
	  "one cookie=VALUE/MASK to select flows and one cookie=VALUE to set)" },
	{ ADD, "cookie=1,cookie=2 actions=drop", 10, "cookie given twice" },
	{ ADD, "cookie=1,cookie=2/-1 actions=drop", 18, "cookie: adding flows cannot use a "
	  "cookie mask" },
	{ DEL, "cookie=1/-1,cookie=2/-1", 13, "cookie given twice" },
	{ DEL, "cookie=1/-2", 10, "cookie mask: '-2' is not a number" },
	{ MOD, "cookie=x/-1 actions=drop", 8, "cookie: 'x' is not a number" },
	{ MOD, "out_port=2 actions=drop", 1, "out_port is not allowed when modifying flows" },
	{ MOD, "ip", 3, "missing actions=... (use actions=drop to drop)" },
};

static void test_error_catalogue(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ofp_flow f;
		struct xs_err e;
		int r = ofp_parse_flow(cases[i].text, cases[i].mode, &f, &e);

		if (r != -EINVAL)
			fail_msg("'%s' returned %d, expected -EINVAL", cases[i].text, r);
		if (e.col != cases[i].col || strcmp(e.msg, cases[i].msg))
			fail_msg("'%s'\n  gave col %d: %s\n  expected col %d: %s",
				 cases[i].text, e.col, e.msg, cases[i].col, cases[i].msg);
		assert_int_equal(e.line, 0);
		/* Nothing is handed back on error. */
		assert_null(f.actions);
		assert_int_equal(f.n_actions, 0);
	}
}

static void test_error_format(void **state)
{
	struct ofp_flow f;
	struct xs_err e;
	char buf[300];

	(void)state;
	assert_int_equal(ofp_parse_flow("tcp,tp_dst=99999 actions=drop", ADD, &f, &e), -EINVAL);
	xs_err_format(&e, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "12: tp_dst: value 99999 is out of range (0 to 65535)");
	xs_err_format(&e, "cmdline", buf, sizeof(buf));
	assert_string_equal(buf, "cmdline:12: tp_dst: value 99999 is out of range (0 to 65535)");
}

static void test_packet_errors(void **state)
{
	struct ofp_key k;
	struct xs_err e;

	(void)state;
	memset(&k, 0xaa, sizeof(k));
	assert_int_equal(ofp_parse_packet("tcp,tp_dst=80/0xff", &k, &e), -EINVAL);
	assert_int_equal(e.col, 14);
	assert_string_equal(e.msg, "tp_dst: masks are not allowed here");
	/* The key is zeroed, not half filled. */
	for (size_t i = 0; i < sizeof(k); i++)
		assert_int_equal(((uint8_t *)&k)[i], 0);
	assert_int_equal(ofp_parse_packet("tp_dst=80", &k, &e), -EINVAL);
	assert_string_equal(e.msg, "tp_dst requires tcp, udp or sctp (nw_proto=6, 17 or 132, "
			    "over ip or ipv6)");
}

static char *long_line(size_t n, const char *prefix)
{
	char *s = malloc(n + 1);
	size_t p = strlen(prefix);

	memcpy(s, prefix, p);
	memset(s + p, ' ', n - p);
	s[n] = 0;
	return s;
}

static void test_line_length(void **state)
{
	struct ofp_flow f, *flows;
	struct xs_err e;
	size_t n;
	char *s;

	(void)state;
	/* Exactly OFP_MAX_LINE is fine, one more is not. */
	s = long_line(OFP_MAX_LINE, "actions=drop");
	assert_int_equal(ofp_parse_flow(s, ADD, &f, &e), 0);
	free(s);
	s = long_line(OFP_MAX_LINE + 1, "actions=drop");
	assert_int_equal(ofp_parse_flow(s, ADD, &f, &e), -EINVAL);
	assert_int_equal(e.col, OFP_MAX_LINE + 1);
	assert_string_equal(e.msg, "line is longer than 65536 characters");
	free(s);

	s = long_line(OFP_MAX_LINE + 30, "actions=drop\nactions=drop\n");
	assert_int_equal(ofp_parse_flow_text(s, ADD, &flows, &n, &e), -EINVAL);
	assert_int_equal(e.line, 3);
	assert_int_equal(e.col, OFP_MAX_LINE + 1);
	assert_null(flows);
	assert_int_equal(n, 0);
	free(s);
}

static void test_flow_text_errors(void **state)
{
	struct ofp_flow *flows = (void *)1;
	struct xs_err e;
	size_t n = 7;
	char buf[300];

	(void)state;
	assert_int_equal(ofp_parse_flow_text("# header\n"
					     "in_port=1 actions=output:2\n"
					     "\n"
					     "tcp,tp_dst=80 actions=output:3\n"
					     "udp,tp_dst=80 actions=outptu:3\n"
					     "ip actions=drop\n", ADD, &flows, &n, &e), -EINVAL);
	assert_null(flows);
	assert_int_equal(n, 0);
	assert_int_equal(e.line, 5);
	assert_int_equal(e.col, 23);
	xs_err_format(&e, "flows.txt", buf, sizeof(buf));
	assert_string_equal(buf, "flows.txt:5:23: unknown or unsupported action 'outptu'");

	assert_int_equal(ofp_parse_flow_text("ip actions=drop\r\nip,nw_src=1.2.3.4/40 "
					     "actions=drop\r\n", ADD, &flows, &n, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 19);
	assert_string_equal(e.msg, "nw_src: prefix length 40 is out of range (0 to 32)");

	assert_int_equal(ofp_parse_flow_text("tcp\ntcp actions=drop\n", DEL, &flows, &n, &e),
			 -EINVAL);
	assert_int_equal(e.line, 2);
	assert_string_equal(e.msg, "actions are not allowed when deleting flows");
}

/* A flow file naming LOCAL is refused whole, at its line and column. */
static void test_local_in_file(void **state)
{
	struct ofp_flow *flows = (void *)1;
	struct xs_err e;
	size_t n = 7;
	char buf[300];

	(void)state;
	assert_int_equal(ofp_parse_flow_text("in_port=1 actions=output:2\n"
					     "# the bridge's own interface, as in OVS:\n"
					     "in_port=2 actions=output:LOCAL\n", ADD, &flows, &n, &e),
			 -EINVAL);
	assert_null(flows);
	assert_int_equal(n, 0);
	xs_err_format(&e, "flows.txt", buf, sizeof(buf));
	assert_string_equal(buf, "flows.txt:3:26: output: 'LOCAL': this bridge has no LOCAL "
			    "port (xdpswitch has no internal port; output to a real port)");
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void test_flow_file_errors(void **state)
{
	char path[] = "/tmp/xs_ofp_err_XXXXXX";
	struct ofp_flow *flows;
	struct xs_err e;
	size_t n;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	close(fd);

	write_file(path, "actions=drop\nactions=drop,output:1\n", 35);
	assert_int_equal(ofp_parse_flow_file(path, ADD, &flows, &n, &e), -EINVAL);
	assert_int_equal(e.line, 2);
	assert_int_equal(e.col, 9);
	assert_string_equal(e.msg, "drop must be the only action");

	write_file(path, "actions=drop\n\0actions=drop\n", 27);
	assert_int_equal(ofp_parse_flow_file(path, ADD, &flows, &n, &e), -EINVAL);
	assert_string_equal(e.msg, "flow file contains a NUL byte");
	assert_int_equal(e.line, 0);

	/* Larger than the 64 MiB limit (a sparse file). */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_int_equal(ftruncate(fd, (64 << 20) + 8192), 0);
	close(fd);
	assert_int_equal(ofp_parse_flow_file(path, ADD, &flows, &n, &e), -EFBIG);
	assert_string_equal(e.msg, "flow file is larger than 67108864 bytes");
	unlink(path);

	assert_int_equal(ofp_parse_flow_file(path, ADD, &flows, &n, &e), -ENOENT);
	assert_string_equal(e.msg, "cannot open flow file: No such file or directory");
	assert_null(flows);
	assert_int_equal(n, 0);

	assert_int_equal(ofp_parse_flow_file("/tmp", ADD, &flows, &n, &e), -EIO);
	assert_string_equal(e.msg, "cannot read flow file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_catalogue),
		cmocka_unit_test(test_error_format),
		cmocka_unit_test(test_packet_errors),
		cmocka_unit_test(test_line_length),
		cmocka_unit_test(test_flow_text_errors),
		cmocka_unit_test(test_local_in_file),
		cmocka_unit_test(test_flow_file_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
