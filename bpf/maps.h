// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/* The fast path's maps and load-time knobs, declared once with BTF types so
 * bpftool prints named fields. Names are the XS_MAP_* strings of datapath.h.
 *
 * Allocation choices:
 *  - xs_megaflows is BPF_F_NO_PREALLOC. A preallocated hash map recycles a
 *    deleted element at once through its free list, so a packet on another
 *    CPU that has just looked up a megaflow could read a handle the agent
 *    has meanwhile re-used for a different key. Non-preallocated elements
 *    are freed only after an RCU grace period, so a handle read after a
 *    lookup is always the one that key had. It also keeps memory in
 *    proportion to the megaflows installed, not to the (load) maximum.
 *  - xs_masks is BPF_F_NO_PREALLOC for the same reason: its one element is
 *    replaced as a whole and readers keep walking the old list.
 *  - xs_emc is a per-CPU array used as a direct-mapped cache, not the
 *    per-CPU LRU hash the design first named: its lookup is inlined by the
 *    verifier into a few instructions (no hashing of the key by the kernel,
 *    no bucket walk, no LRU bookkeeping, no lock on insert), and only the
 *    CPU that owns an element writes it, so an entry never changes under a
 *    packet reading it (an LRU element can be recycled by another CPU). The
 *    price is that two hot flows with the same index evict each other.
 *  - xs_port_list (the ports a broadcast in the TC stage clones to) is one
 *    element of a non-preallocated hash map, like xs_masks, and not an
 *    array of ifindexes with a count: the agent replaces the whole list
 *    in one update, so a flood running while a port joins or leaves walks
 *    the old list or the new one. An array changed entry by entry could
 *    show a packet a count from one list and entries from another: a port
 *    moved into a freed place would get two copies, or none. Its 4 KiB
 *    value is copied only when a port joins or leaves. */
#ifndef XDPSWITCH_BPF_MAPS_H
#define XDPSWITCH_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "xdpswitch/datapath.h"

/* Set by the loader before load (skeleton rodata). */
const volatile struct xs_config xs_cfg = {
	.miss_rate = 0,
	.miss_burst = 0,
	.emc_enabled = 1,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_EMC_ENTRIES);
	__type(key, __u32);
	__type(value, struct xs_emc_entry);
} xs_emc SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xs_mask_list);
} xs_masks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XS_DEFAULT_MAX_FLOWS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xs_megaflow_key);
	__type(value, struct xs_megaflow_entry);
} xs_megaflows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_DEFAULT_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct xs_megaflow);
} xs_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_DEFAULT_MAX_FLOWS);
	__type(key, __u32);
	__type(value, struct xs_flow_stats);
} xs_flow_stats SEC(".maps");

/* XS_FILTER_WORDS per mask id (datapath.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XS_MAX_MASKS * XS_FILTER_WORDS);
	__type(key, __u32);
	__type(value, __u64);
} xs_mask_filter SEC(".maps");

/* Indexed by mask id; ids are below XS_MAX_MASKS. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_MAX_MASKS);
	__type(key, __u32);
	__type(value, __u64);
} xs_mask_hits SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XS_STAT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} xs_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XS_RINGBUF_BYTES);
} xs_upcalls SEC(".maps");

/* Output ports: key and value are the ifindex. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__uint(max_entries, XS_MAX_PORTS);
	__type(key, __u32);
	__type(value, __u32);
} xs_tx_ports SEC(".maps");

/* The bridge's ports for a broadcast in the TC stage: key 0 only. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct xs_port_list);
} xs_port_list SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, XS_MAX_PORTS);
	__type(key, __u32);
	__type(value, struct xs_miss_bucket);
} xs_miss_bucket SEC(".maps");

/* The hash key (xs_cfg.hash), kept here only so that it is pinned with the
 * maps it hashes; the programs read the rodata copy (no lookup). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_hash_key);
} xs_hash_key SEC(".maps");

/* Its version (xs_cfg.hash_version), pinned for the same reason. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} xs_hash_ver SEC(".maps");

#endif
