// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* Map layouts, limits, counters and records shared by the XDP/TC programs and
 * the agent. Design notes:
 *
 * Microflow cache (xs_emc): a direct-mapped per-CPU array indexed by the top
 * bits of the hash of the full packet key (flow_hash.h); an entry holds the
 * key itself, compared word by word, and a handle {slot, gen}. A new entry
 * overwrites whatever had its index. Megaflow cache (tuple space search):
 * xs_masks holds the ordered mask list as ONE element of a non-preallocated
 * hash map, so the agent publishes a new order (or a new mask) with a single
 * atomic element replace; a packet reads the list once and walks a
 * consistent snapshot. Each mask lists the key words it has bits in (most
 * masks touch a few of the 16); for each mask in order the packet hashes
 * just those words, masked, looks up {mask id, hash} in xs_megaflows and
 * compares the masked words the megaflow's record (xs_flows) starts with. Megaflows do not overlap,
 * so the first hit wins. Two masked keys of one mask with the same hash
 * both live, in two ways of the hash (struct xs_megaflow_key). Before the hash
 * lookup, a per-mask bitmap indexed by the hash's top bits (xs_mask_filter)
 * tells whether the mask may hold the key at all; most probes miss, and the
 * bitmap turns most of them into one array read instead of a hash lookup.
 *
 * A handle names a slot of xs_flows (the head of the megaflow's record:
 * its words and actions) and of xs_flow_stats (per-CPU counters), plus the
 * slot's generation. Freeing or replacing a
 * megaflow bumps the slot's generation, so every per-CPU microflow entry
 * that still points at it turns stale at once ("look again") without the
 * agent walking per-CPU caches. The agent reuses freed slots in FIFO order
 * so a slot is not rewritten while a packet may still be executing it. */
#ifndef XDPSWITCH_DATAPATH_H
#define XDPSWITCH_DATAPATH_H

#include "compat.h"
#include "flow_key.h"
#include "flow_hash.h"
#include "actions.h"

/* Limits. Map sizes marked (load) can be changed by the loader before load. */
#define XS_MAX_MASKS 256                /* masks probed per packet, at most */
#define XS_DEFAULT_MAX_FLOWS 65536      /* megaflow slots (load) */
#define XS_EMC_BITS 13                     /* at most; the loader may use
                                            * fewer on many CPUs (dp.h) */
#define XS_EMC_ENTRIES (1u << XS_EMC_BITS) /* microflow entries per CPU */
#define XS_MAX_PORTS 1024               /* ports of a bridge (tx devmap,
                                         * port list) */
#define XS_UPCALL_MAX_PKT 1536          /* packet bytes copied into a miss */
#define XS_RINGBUF_BYTES (4u << 20)     /* miss ringbuf size (load) */

/* Map names: pinned under <bpffs>/xdpswitch/<bridge>/ with these names. */
#define XS_MAP_EMC "xs_emc"
#define XS_MAP_MASKS "xs_masks"
#define XS_MAP_MEGAFLOWS "xs_megaflows"
#define XS_MAP_FLOWS "xs_flows"
#define XS_MAP_FLOW_STATS "xs_flow_stats"
#define XS_MAP_MASK_HITS "xs_mask_hits"
#define XS_MAP_STATS "xs_stats"
#define XS_MAP_UPCALLS "xs_upcalls"
#define XS_MAP_TX_PORTS "xs_tx_ports"
#define XS_MAP_MISS_BUCKET "xs_miss_bucket"
#define XS_MAP_MASK_FILTER "xs_mask_filter"
#define XS_MAP_PORT_LIST "xs_port_list"
#define XS_MAP_HASH_KEY "xs_hash_key"
#define XS_MAP_HASH_VER "xs_hash_ver"

/* A megaflow's slot and generation. */
struct xs_flow_handle {
	__u32 slot;
	__u32 gen; /* never 0 for a live megaflow */
};

/* xs_emc value (per CPU), at index xs_emc_index(hash of the key's words).
 * gen 0 in the handle: empty. */
struct xs_emc_entry {
	struct xs_flow_handle h;
	struct xs_flow_key key;
};

/* @shift: 64 - log2(entries), xs_config.emc_shift (0: XS_EMC_BITS). */
static inline __u32 xs_emc_index(__u64 hash, __u32 shift)
{
	return (__u32)(hash >> (shift ? shift : 64 - XS_EMC_BITS));
}

/* xs_megaflows key: a mask id and the hash of the key's words that mask
 * has bits in, masked, in the mask's order (struct xs_mask_words), and the
 * way. Two megaflows of one mask whose words hash the same (a collision)
 * both live: the first at way 0, the next at way 1, up to XS_HASH_WAYS.
 * The ways of a {mask id, hash} are always 0..n-1 (a removal moves the
 * last way into the hole), so a probe stops at the first absent way. */
#define XS_HASH_WAYS 4
struct xs_megaflow_key {
	__u32 mask_id;
	__u32 way; /* < XS_HASH_WAYS; 0 in maps pinned before ways */
	__u64 hash;
};

/* xs_megaflows value: the handle alone. The masked words a probe compares
 * live in the megaflow's record (struct xs_megaflow), which a hit reads
 * anyway: the hash element is 8 bytes of value instead of 136. */
struct xs_megaflow_entry {
	struct xs_flow_handle h;
};

/* The kernel hashes and compares 16 bytes per probe, not a whole key. */
XS_STATIC_ASSERT(sizeof(struct xs_megaflow_key) == 16, "megaflow key size");

/* xs_flows value, indexed by slot: a megaflow's record, compact. Most
 * megaflows have a few key words and one or two actions, so a slot holds
 * XS_SLOT_CELLS 8-byte cells, not XS_MAX_ACTIONS actions. The record is a
 * run of cells: the masked key words the mask lists (struct
 * xs_mask_words, in its order), then the actions, 3 cells each, an action
 * never split between slots (one that would be starts the next slot). A
 * record longer than a slot continues in slot @next, whose cells go on
 * where the head's stopped (xs_record_slots()); the head carries gen,
 * counts and flags, a continuation has XS_MF_F_CONT. All slots of a
 * record come from one pool and go back to it together, after a grace
 * period, so a packet that found the head can follow @next safely. */
#define XS_MF_F_XDP 0x0001 /* the whole list runs in XDP: no output, or one
                            * output as the last action, to an XDP-capable
                            * port or a broadcast to every other port when
                            * all of them are; otherwise the TC stage
                            * executes it */
#define XS_MF_F_CONT 0x8000 /* a continuation slot, not a megaflow */
#define XS_SLOT_CELLS 13
#define XS_ACTION_CELLS 3 /* sizeof(struct xs_action) / 8 */
struct xs_megaflow {
	__u32 gen;       /* 0 = free or retired slot */
	__u8 n_actions;  /* head: the list's length */
	__u8 n_words;    /* head: masked key words at the record's start */
	__u16 flags;     /* XS_MF_F_* */
	__u32 next;      /* slot the record goes on in; 0: none */
	__u32 pad;
	__u64 cell[XS_SLOT_CELLS];
};

XS_STATIC_ASSERT(sizeof(struct xs_action) == 8 * XS_ACTION_CELLS, "an action is 3 cells");
XS_STATIC_ASSERT(sizeof(struct xs_megaflow) == 16 + 8 * XS_SLOT_CELLS, "slot size");

/* Position of cell @p of a record: slot @p / XS_SLOT_CELLS of its chain,
 * cell @p % XS_SLOT_CELLS there. Where action @i's cells start, given
 * where the previous one's ended (@p): the next slot if it would not fit. */
static inline __u32 xs_record_action_at(__u32 p)
{
	if (p % XS_SLOT_CELLS + XS_ACTION_CELLS > XS_SLOT_CELLS)
		p += XS_SLOT_CELLS - p % XS_SLOT_CELLS;
	return p;
}

/* Slots a record of @n_words words and @n_actions actions takes. */
static inline __u32 xs_record_slots(__u32 n_words, __u32 n_actions)
{
	__u32 p = n_words, i;

	for (i = 0; i < n_actions; i++)
		p = xs_record_action_at(p) + XS_ACTION_CELLS;
	return p ? (p - 1) / XS_SLOT_CELLS + 1 : 1;
}

/* The longest record: every key word and XS_MAX_ACTIONS actions. */
#define XS_RECORD_MAX_SLOTS 6

/* xs_flow_stats value (per CPU), indexed by slot. */
struct xs_flow_stats {
	__u64 packets;
	__u64 bytes;
	__u64 used_ns;   /* bpf_ktime_get_ns() of the last packet */
	__be16 tcp_flags; /* OR of the TCP flags seen */
	__u8 pad[6];
};

/* xs_mask_filter: an array of u64, XS_FILTER_WORDS per mask id. Bit
 * xs_filter_bit(hash) of mask m's words is set before a megaflow of m with
 * that hash is inserted; it may stay set after the megaflow is removed (a
 * wasted probe, never a missed megaflow). */
#define XS_FILTER_BITS 16
#define XS_FILTER_WORDS (1u << (XS_FILTER_BITS - 6))

static inline __u32 xs_filter_bit(__u64 hash)
{
	return (__u32)(hash >> (64 - XS_FILTER_BITS));
}

/* A mask as the fast path probes it: the key words it has bits in, in
 * ascending order, listed by index in word[] with their mask bits in
 * bits[]. The list ends at the first zero in bits[] (entries after it are
 * zero too); a mask of no bits matches every packet. */
struct xs_mask_words {
	__u32 mask_id;                 /* indexes xs_mask_hits */
	__u8 word[XS_FLOW_KEY_WORDS];
	__u8 pad[(8 - (4 + XS_FLOW_KEY_WORDS) % 8) % 8]; /* bits[] 8-aligned */
	__u64 bits[XS_FLOW_KEY_WORDS];
};

XS_STATIC_ASSERT(sizeof(struct xs_mask_words) == 24 + 8 * XS_FLOW_KEY_WORDS, "mask words size");

/* xs_masks value: the single element at key 0, the masks in probe order. */
struct xs_mask_list {
	__u32 count;
	__u32 pad;
	struct xs_mask_words masks[XS_MAX_MASKS];
};

/* xs_port_list value: the single element at key 0, the bridge's ports
 * (ifindexes, each once, in the order they joined) that a broadcast in the
 * TC stage clones to; the same set as xs_tx_ports holds. Entries from
 * count on are 0. */
struct xs_port_list {
	__u32 count;
	__u32 pad;
	__u32 ifindex[XS_MAX_PORTS];
};

XS_STATIC_ASSERT(sizeof(struct xs_port_list) == 8 + 4 * XS_MAX_PORTS, "port list size");

/* xs_miss_bucket value (per CPU), key = ingress ifindex: a token bucket that
 * limits misses per port so one flooding port cannot starve the others. */
struct xs_miss_bucket {
	__u64 tokens_milli; /* tokens x 1000 */
	__u64 last_ns;
};

/* Loader-set knobs (BPF rodata, set before load). */
struct xs_config {
	__u32 miss_rate;   /* upcalls per second per port per CPU; 0 = no limit */
	__u32 miss_burst;  /* bucket depth, in misses */
	__u32 emc_enabled; /* 0 disables the microflow cache */
	__u32 emc_shift;   /* 64 - log2(xs_emc entries); 0: XS_EMC_BITS */
	__u32 emc_insert_inv_prob; /* a megaflow hit takes over a microflow
	                            * entry held by another live key once in
	                            * this many (0 and 1: always); empty and
	                            * stale entries are always taken */
	__u32 hash_version; /* XS_HASH_V_* of the megaflow hashes (flow_hash.h),
	                     * also pinned as xs_hash_ver */
	struct xs_hash_key hash; /* the datapath's hash key (flow_hash.h),
	                          * also pinned as xs_hash_key */
};

/* Upcall reasons. */
enum xs_upcall_reason {
	XS_UPCALL_MISS = 1,        /* no megaflow matched */
	XS_UPCALL_ACTION = 2,      /* XS_ACT_TO_AGENT (OpenFlow controller) */
	XS_UPCALL_TTL_EXPIRED = 3, /* XS_ACT_DEC_TTL found TTL <= 1 */
	XS_UPCALL_CT_EVENT = 4,    /* a TCP connection changed state (no packet
	                            * bytes): cookie = enum xs_ct_event |
	                            * direction << 8; the key holds the tuple
	                            * as the packet had it and ct_zone */
};

/* What XS_UPCALL_CT_EVENT reports; the agent moves the kernel's TCP state
 * (which a BPF lookup never advances) through ctnetlink. */
enum xs_ct_event {
	XS_CT_EV_NEW = 1,         /* committed with a SYN: SYN_SENT */
	XS_CT_EV_ESTABLISHED = 2, /* the first reply: ESTABLISHED */
	XS_CT_EV_FIN = 3,         /* FIN_WAIT/CLOSE_WAIT, then TIME_WAIT */
	XS_CT_EV_RST = 4,         /* CLOSE */
};

#define XS_UPCALL_F_TRUNC 0x01 /* pkt holds only the first cap_len bytes */

/* Ringbuf record of a packet sent to the agent. */
struct xs_upcall {
	__u32 ifindex;    /* ingress port */
	__u8 reason;      /* enum xs_upcall_reason */
	__u8 flags;       /* XS_UPCALL_F_* */
	__u16 cookie;     /* XS_ACT_TO_AGENT flags, else 0 */
	__u32 pkt_len;    /* length of the whole frame */
	__u32 cap_len;    /* bytes of it in pkt[] */
	__u32 slot;       /* megaflow slot for ACTION/TTL_EXPIRED, else 0 */
	__u32 pad;
	struct xs_flow_key key;
	__u8 pkt[XS_UPCALL_MAX_PKT];
};

XS_STATIC_ASSERT(sizeof(struct xs_upcall) == 24 + sizeof(struct xs_flow_key) + XS_UPCALL_MAX_PKT, "upcall size");

/* The agent's re-injection request: which megaflow's actions the execute
 * program (xs_tc_exec) runs on the packet of its next test run. It lives
 * in the object's .bss, written by the agent through the skeleton's mmap
 * just before each BPF_PROG_TEST_RUN. Only the agent runs that program
 * (it is never attached), one run at a time, so a packet from the wire
 * can never reach a request. (This replaced a struct in front of the
 * frame in XDP metadata: some kernels, this project's CI among them,
 * refuse bpf_xdp_adjust_meta to XDP programs.) */
struct xs_exec_req {
	__u32 slot;
	__u32 gen;
};
XS_STATIC_ASSERT(sizeof(struct xs_exec_req) == 8, "exec request size");

/* Datapath counters (per CPU, xs_stats indexed by enum xs_stat). The list is
 * append-only: never reuse or reorder a retired number. */
#define XS_STATS_LIST(X)                                                        \
	X(RX, "rx", "packets seen by the XDP program")                           \
	X(MICROFLOW_HIT, "microflow_hit", "hits in the per-CPU microflow cache") \
	X(MEGAFLOW_HIT, "megaflow_hit", "hits in the megaflow cache")            \
	X(MASKS_PROBED, "masks_probed", "masks probed by megaflow hits")         \
	X(MISS, "miss", "misses sent to the agent")                              \
	X(MISS_LOST, "miss_lost", "misses dropped: ringbuf full")                \
	X(MISS_SHED, "miss_shed", "upcalls dropped: per-port limit")           \
	X(STALE_MICROFLOW, "stale_microflow", "microflow entries found stale")  \
	X(TC_HANDOFF, "tc_handoff", "packets executed by the TC stage")          \
	X(ACTION_DROP, "action_drop", "packets dropped by their actions")       \
	X(EXEC_ERROR, "exec_error", "packets (or flood copies) dropped: an action failed") \
	X(TTL_EXPIRED, "ttl_expired", "packets whose TTL expired")               \
	X(TO_AGENT, "to_agent", "packets sent to the agent by an action")        \
	X(REINJECT, "reinject", "packets re-injected by the agent")              \
	X(STALE_REINJECT, "stale_reinject", "re-injected packets whose megaflow was gone") \
	X(TC_MISS, "tc_miss", "packets handed to the TC stage that found no megaflow there") \
	X(CT_LOOKUP, "ct_lookup", "ct actions run (conntrack lookups)")          \
	X(CT_COMMIT, "ct_commit", "connections committed to conntrack")          \
	X(CT_INVALID, "ct_invalid", "packets given ct_state +inv")               \
	X(CT_FULL, "ct_full", "commits refused: conntrack table full or busy")   \
	X(RECIRC, "recirc", "recirculations (passes after the first)")           \
	X(RECIRC_LIMIT, "recirc_limit", "packets dropped: too many recirculations") \
	X(CT_RELATED, "ct_related", "ICMP errors found related to a tracked connection")

enum xs_stat {
#define XS_STAT_ENUM(name, key, desc) XS_STAT_##name,
	XS_STATS_LIST(XS_STAT_ENUM)
#undef XS_STAT_ENUM
	XS_STAT__MAX
};

#endif
