// SPDX-License-Identifier: Apache-2.0
/* The datapath library: loads the XDP/TC fast path and drives its maps
 * (ports, masks, megaflows, counters), reads misses and re-injects packets.
 *
 * Design. The agent owns the megaflow table; BPF only reads it. Every
 * megaflow lives in a record of xs_flows (masked words and actions, one
 * 120-byte slot or a short chain of them: datapath.h) and a slot of
 * xs_flow_stats (per-CPU counters), named by a handle {slot, gen} of its
 * record's head. A megaflow is installed by writing its record first and
 * then inserting {mask id, hash of the masked words} -> {handle} into
 * xs_megaflows (after setting the
 * hash's bit in the mask's filter), so a packet that finds the handle
 * always finds the actions. Removal leaves filter bits; once removals
 * outnumber the megaflows by 4096 the filters are rebuilt from the mirror. Changing the actions takes a fresh record and replaces the hash
 * entry; the old record is retired: its generation is cleared (which turns
 * every per-CPU microflow entry that names it stale) but its action bytes
 * stay, and freed slots are reused in FIFO order, so a packet still running
 * an old slot on another CPU never sees it rewritten under its feet.
 *
 * Masks get ids 0..XS_MAX_MASKS-1 and a reference per megaflow. The ordered
 * list the fast path probes is one hash element (xs_masks[0]) replaced as a
 * whole: adding a mask, dropping an unused one and re-ranking by recent hits
 * (xs_dp_masks_rank) are each one atomic publish.
 *
 * The library keeps a mirror of every installed megaflow (key, mask,
 * actions), so dumps and the revalidator never walk the maps. Opening with a
 * pin directory that already holds the maps adopts them: the mirror is
 * rebuilt from the maps and the microflow cache is flushed (the generations
 * of free slots are not recorded anywhere, so old microflow entries could
 * otherwise match a reused slot).
 *
 * Slot 0 is never given to a megaflow: it is the scratch slot used to
 * execute actions for a packet whose megaflow is not installed.
 *
 * A struct xs_dp is not thread-safe; one thread (the agent's main loop)
 * drives it. Functions return 0 or -errno and print nothing. */
#ifndef XS_AGENT_DATAPATH_DP_H
#define XS_AGENT_DATAPATH_DP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/xdpswitch/datapath.h"

struct xs_dp;

struct xs_dp_opts {
	const char *pin_dir; /* maps pinned here (created if missing) and
	                      * adopted if already there; NULL: no pinning */
	uint32_t max_flows;  /* megaflows at most; 0: XS_DEFAULT_MAX_FLOWS, less
	                      * on many CPUs (xs_dp_size_for_cpus) */
	uint32_t miss_rate;  /* upcalls per second per port per CPU; 0: none */
	uint32_t miss_burst; /* token bucket depth; 0 with a rate: the rate */
	bool emc_disabled;   /* turn the microflow cache off */
	uint32_t emc_insert_inv_prob; /* a megaflow hit evicts another live
	                      * flow's microflow entry once in this many; 1:
	                      * always; 0: XS_DP_EMC_INSERT_INV_PROB */
	const struct xs_hash_key *hash_key; /* tests: this key for new maps
	                      * (NULL: random); pinned maps keep theirs */
	bool hash_version_old; /* tests: new maps hashed as agents before
	                      * XS_HASH_V_FOLDED did; pinned maps keep theirs */
	uint32_t mask_budget; /* masks one port's misses may create (the
	                      * in_port of the key that needs a new mask);
	                      * 0: XS_DP_MASK_BUDGET; above XS_MAX_MASKS: none */
};

/* Open vSwitch's default emc-insert-inv-prob. */
#define XS_DP_EMC_INSERT_INV_PROB 100

/* Masks a port may create by default: a quarter of the masks probed, so
 * one port crafting packets for new masks (tuple space explosion) cannot
 * make every lookup walk XS_MAX_MASKS of them, and four such ports at
 * most fill the table; an ACL of port ranges needs a few dozen. */
#define XS_DP_MASK_BUDGET 64

/* Spare slots beyond max_flows: the scratch slot and room for
 * xs_dp_flow_modify when the table is full. */
#define XS_DP_SPARE_SLOTS 64

/* Slots for @max_flows megaflows: one each, plus max_flows /
 * XS_DP_CONT_SHARE for the continuations of records longer than a slot
 * (datapath.h: more words and actions than XS_SLOT_CELLS cells hold),
 * plus the spares. A table of long records fills its slots before
 * max_flows: installs then fail as a full table's do. */
#define XS_DP_CONT_SHARE 8
static inline uint32_t xs_dp_slots_for(uint32_t max_flows)
{
	return max_flows + max_flows / XS_DP_CONT_SHARE + XS_DP_SPARE_SLOTS;
}

/* --- lifecycle (dp.c) ----------------------------------------------------- */

/* Per-CPU maps cost their size once per possible CPU: the microflow cache
 * (xs_emc, 152 bytes an entry) and the megaflow counters (xs_flow_stats,
 * 32 bytes a slot). Their defaults shrink with the CPU count so that each
 * stays within a budget (README, "Memory"):
 *   microflow entries per CPU = 2^min(13, floor(log2(16 MiB / (cpus * 152))))
 *   default max_flows         = min(65536, max(8192,
 *                                   2^floor(log2(32 MiB / (cpus * 32)))))
 * 2 to 8 CPUs keep 8192 entries and 65536 flows; 16 CPUs get 4096 and
 * 65536; 64 CPUs 1024 and 16384; 128 CPUs 512 and 8192. An explicit max_flows is used as given. */
#define XS_DP_EMC_BUDGET (16u << 20)
#define XS_DP_FLOW_STATS_BUDGET (32u << 20)
void xs_dp_size_for_cpus(int cpus, uint32_t *emc_bits, uint32_t *default_max_flows);
/* Bytes of every per-CPU map for @cpus CPUs, @emc_entries microflow
 * entries and @max_flows megaflows. */
uint64_t xs_dp_percpu_bytes(int cpus, uint32_t emc_entries, uint32_t max_flows);
/* The microflow entries per CPU this datapath has. */
uint32_t xs_dp_emc_entries(const struct xs_dp *dp);

/* The datapath's hash key (flow_hash.h): random for new maps, adopted
 * with pinned ones. */
const struct xs_hash_key *xs_dp_hash_key(const struct xs_dp *dp);
/* Its version (XS_HASH_V_*): the current one for new maps, adopted with
 * pinned ones (0 for maps pinned before versions were). */
uint32_t xs_dp_hash_version(const struct xs_dp *dp);
/* Waits for a grace period (grace.c) if slots or mask ids are waiting for
 * one, so that later installs need not. 0 or -errno. */
int xs_dp_grace_if_needed(struct xs_dp *dp);
/* Grace periods waited for so far, and (@wait_ns, may be NULL) the time
 * they took in total. */
uint64_t xs_dp_graces(const struct xs_dp *dp, uint64_t *wait_ns);
/* Installs refused because the key's port had created its budget of
 * masks (-EDQUOT from xs_dp_flow_install); *@budget gets the budget. */
uint64_t xs_dp_masks_refused(const struct xs_dp *dp, uint32_t *budget);
/* Cold mask eviction (xs_mask_cold): a mask with at most this many hits
 * in the last ranking period (about a second) that has been through
 * XS_MASK_MIN_RANKS rankings may be retired when its port is at its mask
 * budget and needs a new one. The minimum age bounds the churn: a port
 * can retire at most its budget of masks per XS_MASK_MIN_RANKS seconds. */
#define XS_MASK_COLD_HITS 100
#define XS_MASK_MIN_RANKS 2
/* ... and only for a mask refused at least this often in the current
 * ranking period: a flow's packets keep asking (each is a miss while it
 * has no megaflow), a tuple space attack's frames each ask for a mask of
 * their own about once. Refusals are counted in XS_MASK_ASKED_SLOTS slots
 * (the least asked one gives way). */
#define XS_MASK_EVICT_ASKS 4
#define XS_MASK_ASKED_SLOTS 64
/* After -EDQUOT for a key of @port under @mask: if @mask was refused
 * XS_MASK_EVICT_ASKS times this ranking period, the coldest mask @port
 * created that may be retired (no more than XS_MASK_COLD_HITS hits in the
 * last ranking period, through at least XS_MASK_MIN_RANKS rankings).
 * *@out (heap, free it) gets the handles of its *@n megaflows: remove
 * them all and the mask goes, then install again. Counts an eviction and
 * takes back the refusal. -ENOENT if @mask was not asked for enough or no
 * mask of the port is cold. */
int xs_dp_mask_retire_cold(struct xs_dp *dp, uint32_t port, const struct xs_flow_key *mask,
			   struct xs_flow_handle **out, uint32_t *n);
/* Cold masks retired so far (xs_dp_mask_retire_cold). */
uint64_t xs_dp_masks_evicted(const struct xs_dp *dp);
/* Masks in use that port @port's misses created. */
uint32_t xs_dp_masks_of_port(const struct xs_dp *dp, uint32_t port);
/* Installs that found their hash taken by another key of the mask (served
 * in a further way, or refused when all XS_HASH_WAYS are taken). */
uint64_t xs_dp_hash_collisions(const struct xs_dp *dp);
/* Installs that found all XS_HASH_WAYS of their {mask, hash} taken and
 * went in under the exact mask instead (xs_dp_flow_install). */
uint64_t xs_dp_collisions_exact(const struct xs_dp *dp);
/* @mask = every key bit but mask_id: the exact mask. */
void xs_dp_exact_mask(struct xs_flow_key *mask);

/* Sets @o's per-CPU miss_rate and miss_burst from a per-port @rate and
 * @burst (0: @rate): each online CPU's bucket gets an even share, rounded
 * up. A port whose packets spread over every CPU sends about @rate
 * upcalls a second; one whose packets all arrive on one CPU, a CPU's
 * share. (One shared bucket would need an atomic per packet.) */
void xs_dp_miss_split(uint32_t rate, uint32_t burst, struct xs_dp_opts *o);

/* Opens and loads the fast path with @opts (NULL: defaults), pins or adopts
 * its maps, and returns it in *@out. Nothing is attached to any interface.
 * -EINVAL for bad options (max_flows above 1<<24, pin_dir not absolute or
 * too long); -EPROTONOSUPPORT for pinned maps of a hash version this code
 * does not compute (a newer agent's); -errno from libbpf, e.g. when
 * pinned maps do not fit @opts. */
int xs_dp_open(const struct xs_dp_opts *opts, struct xs_dp **out);

/* Frees @dp and its fds. Pinned maps stay pinned (and keep forwarding if
 * the programs are attached). NULL is a no-op. */
void xs_dp_close(struct xs_dp *dp);

/* Removes the maps pinned under @pin_dir by xs_dp_open and the directory
 * if it is then empty. Names that are not there are skipped. */
int xs_dp_unpin(const char *pin_dir);

int xs_dp_xdp_prog_fd(const struct xs_dp *dp);
int xs_dp_tc_prog_fd(const struct xs_dp *dp);

/* fd of the named map (XS_MAP_*), or -ENOENT. For tools and tests. */
int xs_dp_map_fd(const struct xs_dp *dp, const char *name);

/* Megaflows installed now, and the limit. */
uint32_t xs_dp_flow_count(const struct xs_dp *dp);
uint32_t xs_dp_max_flows(const struct xs_dp *dp);

/* --- ports (dp.c) --------------------------------------------------------- */

/* The bridge's ports live in two maps kept in step: xs_tx_ports (the
 * devmap: XDP outputs and the XDP broadcast) and xs_port_list (the ports a
 * broadcast in the TC stage clones to, in the order they joined; replaced
 * as a whole on every change, see bpf/maps.h). */

/* Makes @ifindex a port: a target of XS_ACT_OUTPUT and of every broadcast
 * (entries in both maps). Adding a port twice is fine. -EINVAL for ifindex
 * 0 (or one the kernel refuses: no such interface); -ENOSPC when
 * XS_MAX_PORTS ports are there already. On error nothing changes. */
int xs_dp_port_add(struct xs_dp *dp, uint32_t ifindex);
/* Removes it from both maps; -ENOENT if it was in neither. */
int xs_dp_port_del(struct xs_dp *dp, uint32_t ifindex);

/* Makes both maps hold exactly the @n ifindexes of @ifindexes (the
 * bridge's ports; duplicates are fine, the port list keeps their first
 * places in this order): removes every other entry, then adds the
 * missing ones. A flood (XS_OUT_F_BROADCAST) reaches every entry, so an
 * agent that adopted pinned maps calls this once its ports are back: an
 * entry left by a run that died between a map update and its state file
 * would otherwise keep receiving floods. Returns the number of stale ports
 * removed (an ifindex in either map but not in @ifindexes counts once; 0
 * when the maps already matched), or -EINVAL (NULL @dp, NULL @ifindexes
 * with @n > 0, an ifindex 0, @n above XS_MAX_PORTS; nothing changes) or
 * -errno from the kernel (e.g. -EINVAL for an ifindex with no interface):
 * the stale entries may be gone then, and the port list holds the ports
 * the devmap got. */
int xs_dp_ports_sync(struct xs_dp *dp, const uint32_t *ifindexes, size_t n);

/* --- megaflows (dp_flows.c) ----------------------------------------------- */

/* One installed megaflow as the mirror holds it. */
struct xs_dp_flow {
	struct xs_flow_handle handle;
	struct xs_flow_key key;  /* already masked; mask_id 0 */
	struct xs_flow_key mask; /* mask_id 0 */
	uint32_t mask_id;
	uint16_t n_actions;
	uint16_t flags;          /* XS_MF_F_* */
	uint64_t installed_ns;   /* CLOCK_MONOTONIC at install (or adoption) */
	struct xs_action actions[XS_MAX_ACTIONS];
};

/* Installs the megaflow (@key & @mask) -> @actions. The key's bits outside
 * the mask are ignored; key->mask_id and mask->mask_id must be 0. Gets or
 * creates the mask's id, takes a slot with a new generation, writes actions
 * and zeroed counters, inserts the hash entry, and publishes the mask list
 * if the mask is new. @out (may be NULL) receives the handle.
 * -EINVAL: NULL key/mask, n_actions > XS_MAX_ACTIONS, actions NULL with
 *          n_actions > 0, an action type out of range, unknown flag bits,
 *          nonzero mask_id, an output flag other than XS_OUT_F_BROADCAST,
 *          a broadcast that names a port (arg not 0), a broadcast that is
 *          not the last action of an XS_MF_F_XDP list (a list without the
 *          flag, run by the TC stage, may broadcast anywhere);
 * -EEXIST: the same masked key with the same mask is installed;
 *          A key whose {mask, hash} has XS_HASH_WAYS other masked keys
 *          (datapath.h) is installed under the exact mask instead
 *          (xs_dp_exact_mask: stricter, so correct; its hash differs);
 * -EADDRINUSE: that failed too (a second collision, under the exact mask,
 *          or @mask is exact); run this one's actions without installing
 *          it;
 * -ENOSPC: max_flows megaflows installed, or XS_MAX_MASKS masks in use and
 *          @mask is a new one;
 * -EDQUOT: @mask is new and @key->in_port has created its budget of masks
 *          (xs_dp_opts.mask_budget): run this one's actions without it.
 * On any error nothing changes. */
int xs_dp_flow_install(struct xs_dp *dp, const struct xs_flow_key *key,
		       const struct xs_flow_key *mask, const struct xs_action *actions,
		       uint16_t n_actions, uint16_t flags, struct xs_flow_handle *out);

/* One megaflow of xs_dp_flow_install_batch: the arguments of
 * xs_dp_flow_install, and its results. */
struct xs_dp_put {
	const struct xs_flow_key *key, *mask;
	const struct xs_action *actions;
	uint16_t n_actions, flags;
	struct xs_flow_handle handle; /* out: when err is 0 */
	int err;                      /* out: 0 or xs_dp_flow_install's */
};
/* Installs @n megaflows as @n calls of xs_dp_flow_install in that order
 * would (a later one that has the same masked key as an earlier one gets
 * -EEXIST), in fewer syscalls: counters and actions in one batch each.
 * Returns how many were installed. */
size_t xs_dp_flow_install_batch(struct xs_dp *dp, struct xs_dp_put *puts, size_t n);

/* Gives the megaflow @h new actions: writes them to a fresh slot, points the
 * hash entry at it and retires the old slot. Counters carry over (the old
 * slot's totals are folded into the new one's as xs_dp_flow_stats reports
 * them; a packet still running the old slot after the switch is not
 * counted). *@h is updated to the new handle. -ENOENT if @h is not installed;
 * -EINVAL as for install; -ENOSPC if no slot is free. On error nothing
 * changes. */
int xs_dp_flow_modify(struct xs_dp *dp, struct xs_flow_handle *h,
		      const struct xs_action *actions, uint16_t n_actions, uint16_t flags);

/* Removes the megaflow @h: deletes the hash entry, retires the slot, drops
 * the mask reference (and the mask, published, when it was the last). If
 * @final is not NULL it receives the megaflow's counters. -ENOENT if @h is
 * not installed. */
int xs_dp_flow_remove(struct xs_dp *dp, struct xs_flow_handle h, struct xs_flow_stats *final);

/* Removes every megaflow; the mask list becomes empty. */
int xs_dp_flow_flush(struct xs_dp *dp);

/* Counters of @h: packets and bytes summed over CPUs (and over the slots
 * the megaflow had before a modify), the latest used_ns, tcp_flags OR-ed.
 * used_ns is bpf_ktime_get_coarse_ns() of the last packet (CLOCK_MONOTONIC
 * at jiffy resolution), 0 if none came: idle time is measured against
 * clock_gettime(CLOCK_MONOTONIC), from installed_ns when used_ns is 0.
 * -ENOENT if @h is not installed. */
int xs_dp_flow_stats(struct xs_dp *dp, struct xs_flow_handle h, struct xs_flow_stats *sum);

/* Counters of @n megaflows at once, as xs_dp_flow_stats gives them, read
 * with batched map lookups (a few syscalls for all the slots up to the
 * highest one named, instead of one per megaflow): what a harvest of every
 * megaflow wants. A handle not installed gets zeroes and -ENOENT in
 * @errs[i] (@errs may be NULL). Returns 0, -EINVAL, -ENOMEM or -errno of
 * the map read (then nothing is filled). */
int xs_dp_flow_stats_batch(struct xs_dp *dp, const struct xs_flow_handle *h, size_t n,
			   struct xs_flow_stats *out, int *errs);

/* Copies megaflow @h into *@out; -ENOENT if it is not installed. */
int xs_dp_flow_get(const struct xs_dp *dp, struct xs_flow_handle h, struct xs_dp_flow *out);

/* Finds the installed megaflow with mask @mask whose masked key matches
 * @key & @mask, or, after a collision, the one install put under the
 * exact mask for @key; -ENOENT if there is none. */
int xs_dp_flow_find(const struct xs_dp *dp, const struct xs_flow_key *key,
		    const struct xs_flow_key *mask, struct xs_flow_handle *out);

/* Iterates the installed megaflows in slot order: start with *@pos = 0;
 * returns 1 with *@out filled, 0 when done. Flows installed or removed
 * during the walk may or may not be seen; none is seen twice. */
int xs_dp_flow_next(const struct xs_dp *dp, uint32_t *pos, struct xs_dp_flow *out);

/* --- masks (dp_masks.c) --------------------------------------------------- */

/* Masks in use now. */
uint32_t xs_dp_mask_count(const struct xs_dp *dp);

/* Reads the per-mask hit counters and, if the order by hits since the
 * previous call (ties: previous order) differs from the published one,
 * publishes the new order. Sets *@changed (may be NULL). */
int xs_dp_masks_rank(struct xs_dp *dp, bool *changed);

/* Mask ids in probe order as last published; returns how many (<= @max). */
uint32_t xs_dp_mask_order(const struct xs_dp *dp, uint32_t *ids, uint32_t max);

/* --- misses (dp_upcall.c) ------------------------------------------------- */

/* Called per ringbuf record. Records shorter than their header says
 * (cap_len beyond the record) are counted and skipped, so u->pkt holds
 * u->cap_len valid bytes. A negative return stops the poll, which returns
 * it. */
typedef int (*xs_dp_upcall_cb)(void *ctx, const struct xs_upcall *u);

/* Consumes the miss ringbuf, waiting up to @timeout_ms (0: no wait, -1:
 * forever) for the first record. Returns the number of records handed to
 * @cb or -errno. */
int xs_dp_upcall_poll(struct xs_dp *dp, xs_dp_upcall_cb cb, void *ctx, int timeout_ms);
/* Hands at most @max waiting records (0: all) to @cb without waiting; the
 * rest stay in the ringbuf for the next call. Returns how many, or the
 * callback's negative return, or -errno. */
int xs_dp_upcall_consume(struct xs_dp *dp, unsigned max, xs_dp_upcall_cb cb, void *ctx);

/* The ringbuf map fd, to wait on with epoll (EPOLLIN when records wait). */
int xs_dp_upcall_fd(const struct xs_dp *dp);

/* Records skipped because they were shorter than their header said. */
uint64_t xs_dp_upcall_malformed(const struct xs_dp *dp);

/* --- re-injection (dp_exec.c) --------------------------------------------- */

/* Runs @pkt as if it had arrived on @ifindex, with the actions of
 * megaflow @h instead of a lookup, and the packet really leaves: an skb
 * test run of xs_tc_exec on the ingress port, whose outputs are clones
 * sent for real (XDP and TC lists alike). If @h was retired meanwhile the
 * program drops the packet and counts STALE_REINJECT. The frame must be
 * whole: a miss record flagged XS_UPCALL_F_TRUNC cannot be re-injected.
 * -EINVAL: NULL @pkt, @len < 14 or > 3520 (a test run takes one page less
 * headroom and tailroom), ifindex 0 (or 1: the kernel runs those on lo);
 * -errno from the kernel (-ENODEV for an unknown ifindex). */
int xs_dp_execute(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
		  struct xs_flow_handle h);

/* Same for a packet whose megaflow is not installed (e.g. the table is
 * full): the actions go to the scratch slot, then run as above. */
int xs_dp_execute_actions(struct xs_dp *dp, uint32_t ifindex, const void *pkt, size_t len,
			  const struct xs_action *actions, uint16_t n_actions, uint16_t flags);

/* For a packet of installed megaflow @h that the agent ran itself (not
 * through xs_dp_execute): its actions (NULL if @h is not installed), and
 * the crediting of what the fast path would have counted, so the
 * megaflow's counters hold the packet once (added to what the kernel's
 * counters say, as a modified megaflow's earlier counters are). */
const struct xs_dp_flow *xs_dp_flow_peek(const struct xs_dp *dp, struct xs_flow_handle h);
/* -ENOENT if @h is not installed. */
int xs_dp_flow_credit(struct xs_dp *dp, struct xs_flow_handle h, const struct xs_flow_stats *add);

/* --- counters (dp_stats.c) ------------------------------------------------ */

/* Datapath counters (enum xs_stat) summed over CPUs. */
int xs_dp_stats_read(struct xs_dp *dp, uint64_t out[XS_STAT__MAX]);

/* Name ("megaflow_hit") and description of a counter; NULL out of range. */
const char *xs_dp_stat_name(unsigned int stat);
const char *xs_dp_stat_desc(unsigned int stat);

/* Average masks probed per megaflow hit, from counters read by
 * xs_dp_stats_read; 0 when there was no hit. */
double xs_dp_stats_masks_per_hit(const uint64_t stats[XS_STAT__MAX]);

#endif
