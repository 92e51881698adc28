"""The fast victim search as one Numba kernel over the pod table (see fast.py for when it applies).

For each node of the walk it does what SelectVictimsOnNode does when the only pod-dependent
filter is NodeResourcesFit: remove the lower-priority pods, check the requests fit, then reprieve
pods most important first (PDB-violating ones first) while the requests still fit; and it applies
DryRunPreemption's bounded candidate lists and stopping rule.
"""

from __future__ import annotations

import numpy as np
from numba import njit

NOT_VISITED, CANDIDATE, DROPPED, NO_VICTIMS, FIT_FAIL, STATIC_FAIL, ZERO_VICTIMS = range(7)
"""Per walk position: what the search found there."""


@njit(cache=True)
def _more_important(a, b, prio, start, seq):  # pragma: no cover
    """MoreImportantPod, with the binding order breaking ties."""
    if prio[a] != prio[b]:
        return prio[a] > prio[b]
    if start[a] != start[b]:
        return start[a] < start[b]
    return seq[a] < seq[b]


@njit(cache=True)
def _sort(buf, n, prio, start, seq):  # pragma: no cover
    """Insertion sort of buf[:n] by importance, most important first."""
    for i in range(1, n):
        x = buf[i]
        j = i - 1
        while j >= 0 and _more_important(x, buf[j], prio, start, seq):
            buf[j + 1] = buf[j]
            j -= 1
        buf[j + 1] = x


@njit(cache=True)
def _fit_bits(pods_used, pods_alloc, used, row, alloc, fit_cols, fit_vals):  # pragma: no cover
    """NodeResourcesFit's reason bits: bit 0 too many pods, bit c+1 insufficient column c."""
    bits = np.int64(0)
    if pods_used + 1 > pods_alloc:
        bits |= 1
    for j in range(len(fit_cols)):
        c = fit_cols[j]
        if fit_vals[j] > alloc[row, c] - used[j]:
            bits |= np.int64(1) << (c + 1)
    return bits


@njit(cache=True)
def dry_run_kernel(walk, static_fail, slot_node, slot_prio, slot_start, slot_seq, slot_req, size,
                   alloc, requested, fit_cols, fit_vals, pods_col, me, extra,
                   pdb_ptr, pdb_idx, pdb_allowed, num_candidates, n_nodes):  # pragma: no cover
    """Returns (status, code, candidate position, violations, victims start, victims length,
    highest priority, sum of priority + 2^31, earliest start of the highest, victims, number of
    stored candidates). Candidates are stored in discovery order; ``violations > 0`` marks the
    violating ones."""
    m = len(walk)
    # lower-priority pods by node (CSR)
    ptr = np.zeros(n_nodes + 1, np.int64)
    for s in range(size):
        r = slot_node[s]
        if r >= 0 and slot_prio[s] < me:
            ptr[r + 1] += 1
    max_k = 0
    for r in range(n_nodes):
        if ptr[r + 1] > max_k:
            max_k = ptr[r + 1]
        ptr[r + 1] += ptr[r]
    slots = np.empty(ptr[n_nodes], np.int64)
    cursor = ptr[:-1].copy()
    for s in range(size):
        r = slot_node[s]
        if r >= 0 and slot_prio[s] < me:
            slots[cursor[r]] = s
            cursor[r] += 1

    status = np.zeros(m, np.int64)
    code = np.zeros(m, np.int64)
    cand_pos = np.empty(m, np.int64)
    cand_viol = np.empty(m, np.int64)
    vic_start = np.empty(m, np.int64)
    vic_len = np.empty(m, np.int64)
    highest = np.empty(m, np.int64)
    sums = np.empty(m, np.int64)
    earliest = np.empty(m, np.float64)
    victims = np.empty(len(slots), np.int64)
    n_cand = 0
    n_vic = 0
    n_non_violating = 0
    n_violating = 0

    order = np.empty(max_k, np.int64)
    violates = np.zeros(max_k, np.bool_)
    chosen = np.empty(max_k, np.int64)
    used = np.empty(len(fit_cols), np.int64)
    left = pdb_allowed.copy()
    has_extra = extra.shape[0] > 0
    offset = np.int64(2) ** 31

    for k in range(m):
        row = walk[k]
        a = ptr[row]
        n = ptr[row + 1] - a
        if n == 0:
            status[k] = NO_VICTIMS
            continue
        pods_used = requested[row, pods_col]
        for j in range(len(fit_cols)):
            used[j] = requested[row, fit_cols[j]]
        if has_extra:
            pods_used += extra[k, pods_col]
            for j in range(len(fit_cols)):
                used[j] += extra[k, fit_cols[j]]
        for i in range(n):
            s = slots[a + i]
            order[i] = s
            pods_used -= slot_req[s, pods_col]
            for j in range(len(fit_cols)):
                used[j] -= slot_req[s, fit_cols[j]]
        bits = _fit_bits(pods_used, alloc[row, pods_col], used, row, alloc, fit_cols, fit_vals)
        if bits != 0:
            status[k] = FIT_FAIL
            code[k] = bits
            continue
        if static_fail[k]:
            status[k] = STATIC_FAIL
            continue
        _sort(order, n, slot_prio, slot_start, slot_seq)
        # filterPodsWithPDBViolation over the sorted pods
        left[:] = pdb_allowed
        any_violating = False
        any_other = False
        for i in range(n):
            s = order[i]
            v = False
            for q in range(pdb_ptr[s], pdb_ptr[s + 1]):
                p = pdb_idx[q]
                left[p] -= 1
                if left[p] < 0:
                    v = True
            violates[i] = v
            any_violating |= v
            any_other |= not v
        # reprieve: violating pods first, then the others, most important first
        n_chosen = 0
        n_viol = 0
        for wanted in (True, False):
            for i in range(n):
                if violates[i] != wanted:
                    continue
                s = order[i]
                pods_used += slot_req[s, pods_col]
                for j in range(len(fit_cols)):
                    used[j] += slot_req[s, fit_cols[j]]
                if _fit_bits(pods_used, alloc[row, pods_col], used, row, alloc, fit_cols, fit_vals) != 0:
                    pods_used -= slot_req[s, pods_col]
                    for j in range(len(fit_cols)):
                        used[j] -= slot_req[s, fit_cols[j]]
                    chosen[n_chosen] = s
                    n_chosen += 1
                    if wanted:
                        n_viol += 1
        if n_chosen == 0:
            status[k] = ZERO_VICTIMS
            continue
        if any_violating and any_other:
            _sort(chosen, n_chosen, slot_prio, slot_start, slot_seq)
        if n_viol > 0:
            if n_violating >= num_candidates:
                status[k] = DROPPED
                continue
            n_violating += 1
        else:
            if n_non_violating >= num_candidates:
                status[k] = DROPPED
                continue
            n_non_violating += 1
        status[k] = CANDIDATE
        top = slot_prio[chosen[0]]
        total = np.int64(0)
        first = slot_start[chosen[0]]
        for i in range(n_chosen):
            s = chosen[i]
            victims[n_vic + i] = s
            total += slot_prio[s] + offset
            if slot_prio[s] > top:
                top = slot_prio[s]
                first = slot_start[s]
            elif slot_prio[s] == top and slot_start[s] < first:
                first = slot_start[s]
        cand_pos[n_cand] = k
        cand_viol[n_cand] = n_viol
        vic_start[n_cand] = n_vic
        vic_len[n_cand] = n_chosen
        highest[n_cand] = top
        sums[n_cand] = total
        earliest[n_cand] = first
        n_cand += 1
        n_vic += n_chosen
        if n_non_violating > 0 and n_non_violating + n_violating >= num_candidates:
            break
    return status, code, cand_pos, cand_viol, vic_start, vic_len, highest, sums, earliest, victims, n_cand
