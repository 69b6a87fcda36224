// Per-centre ellipse fit at one level: the best shape of the level's tables, and its wall test.
// NumPy reference: vesselscope/candidates/reference_fit.py.
//
// Layout (what makes it fast on a CPU device, measured on PoCL: ~10x a bilinear gather):
// sample positions are integer offsets from the centre into edge-padded images, the same for
// every centre, so one work-item evaluates VW neighbouring centres of a row with vector loads
// (VW = 8 on CPUs; 1 on GPUs, where work-items are the lanes). No bounds checks: the padding
// is at least the tables' reach, and centre columns are padded to a multiple of VW.
#pragma OPENCL FP_CONTRACT OFF

#include "vector_lanes.h"

// n_samples / max(samples in view, min_in_view) of shape k for the VW centres from column x0
// of row y: scores an outline that runs off the image (rows x cols) by its samples in view.
// Near one pair of edges only, the samples off the image come from `beyond` (per shape, for the
// left, right, top and bottom edge at distance m < span: how many samples lie past it); near a
// corner, where a sample can lie past two edges, they are counted one by one.
static inline floatV in_view_factor(const int k, const int y, const int x0, const int rows,
                                    const int cols, __constant int2 *steps,
                                    __constant int *beyond, const int span, const int reach,
                                    const int n_samples, const int min_in_view)
{
    const bool near_rows = min(y, rows - 1 - y) < reach;
    const bool near_cols = min(x0, cols - VW - x0) < reach;
    __constant int *left = beyond + 4 * k * span;
    __constant int *right = left + span, *top = left + 2 * span, *bottom = left + 3 * span;
    floatV seen;
    if (near_rows && near_cols) {
        seen = (floatV)(0.0f);
        for (int j = 0; j < n_samples; ++j) {
            const int2 d = steps[k * n_samples + j];
            if (y + d.y < 0 || y + d.y >= rows)
                continue;
            const intV xs = x0 + LANE_INDEX + d.x;
            seen += select((floatV)(0.0f), (floatV)(1.0f), (xs >= 0) & (xs < cols));
        }
    } else if (near_rows) {
        const int off = top[min(y, span - 1)] + bottom[min(rows - 1 - y, span - 1)];
        seen = (floatV)((float)(n_samples - off));
    } else {
        int in_view[VW];
        for (int i = 0; i < VW; ++i) {
            const int x = x0 + i;  // past cols in the last work-item: cropped on the host
            const int off = left[min(x, span - 1)] + right[clamp(cols - 1 - x, 0, span - 1)];
            in_view[i] = n_samples - off;
        }
#if VW == 1
        seen = (float)in_view[0];
#else
        seen = CAT(convert_float, VW)(CAT(vload, VW)(0, in_view));
#endif
    }
    return (floatV)((float)n_samples) / fmax(seen, (floatV)((float)min_in_view));
}

// The best shape of the VW centres from `centre`. With `partial` (a constant at each call, so
// the compiler builds the loop without it for the centres that need none), shapes that reach
// past the image's edge get in_view_factor.
static inline void fit_shapes(__global const float *gx, __global const float *gy,
                              const int centre, __constant int *offsets,
                              __constant float2 *normals, __constant float *weights,
                              const int n_shapes, const int n_samples, const float edge_cap,
                              const bool partial, const int margin, const int y, const int x0,
                              const int rows, const int cols, __constant int2 *steps,
                              __constant int *reach, __constant int *beyond, const int span,
                              const int min_in_view, floatV *best, intV *best_k)
{
    for (int k = 0; k < n_shapes; ++k) {
        floatV total = (floatV)(0.0f);
        for (int j = 0; j < n_samples; ++j) {
            const int o = centre + offsets[k * n_samples + j];
            const float2 n = normals[k * n_samples + j];
            const floatV along = LOADV(gx + o) * n.x;
            const floatV step = along + LOADV(gy + o) * n.y;
            total += fmin(step, (floatV)(edge_cap));
        }
        if (partial && margin < reach[k])
            total *= in_view_factor(k, y, x0, rows, cols, steps, beyond, span, reach[k],
                                    n_samples, min_in_view);
        const floatV score = total * weights[k];
        const intV better = isgreater(score, *best);
        *best = select(*best, score, better);
        *best_k = select(*best_k, (intV)(k), better);
    }
}

// Score of shape k = weights[k] * sum over its samples of min(gradient . outward normal, cap).
// Global size: (cols_padded / VW, searched rows). Centres on dead ground score -INFINITY.
//
// Outline samples off the image (rows x cols) read a zero gradient. With min_in_view below
// n_samples, an outline running off the image is scored by its samples in view, once at least
// min_in_view are (steps: each sample's (dx, dy); reach: each shape's largest, max_reach of
// all; beyond: see in_view_factor). Work-items farther than max_reach from every edge skip the
// count.
__kernel void fit_ellipses(__global const float *gx, __global const float *gy,
                           __global const float *live, const int stride, const int pad,
                           const int first_row, const int out_cols,
                           __constant int *offsets, __constant float2 *normals,
                           __constant float *weights, const int n_shapes, const int n_samples,
                           const float edge_cap, const float live_enough, const int rows,
                           const int cols, __constant int2 *steps, __constant int *reach,
                           __constant int *beyond, const int max_reach, const int min_in_view,
                           __global float *best_score, __global int *best_shape)
{
    const int x0 = get_global_id(0) * VW;
    const int row = get_global_id(1);
    const int centre = (pad + first_row + row) * stride + pad + x0;
    const int y = first_row + row;
    const int margin = min(min(y, rows - 1 - y), min(x0, cols - VW - x0));
    floatV best = (floatV)(-INFINITY);
    intV best_k = (intV)(0);
    if (min_in_view < n_samples && margin < max_reach)
        fit_shapes(gx, gy, centre, offsets, normals, weights, n_shapes, n_samples, edge_cap,
                   true, margin, y, x0, rows, cols, steps, reach, beyond, max_reach + 1,
                   min_in_view, &best, &best_k);
    else
        fit_shapes(gx, gy, centre, offsets, normals, weights, n_shapes, n_samples, edge_cap,
                   false, margin, y, x0, rows, cols, steps, reach, beyond, max_reach + 1,
                   min_in_view, &best, &best_k);
    best = select(best, (floatV)(-INFINITY), isless(LOADV(live + centre), (floatV)(live_enough)));
    STOREV(best, best_score + row * out_cols + x0);
    STOREV(best_k, best_shape + row * out_cols + x0);
}

// (outside - inside) / outside of the smoothed intensity for each centre's best shape: a ring
// just outside the wall against a ring at half size. Global size: (out_cols, searched rows).
__kernel void wall_contrast(__global const float *intensity, const int stride, const int pad,
                            const int first_row, const int out_cols,
                            __constant int *out_offsets, __constant int *in_offsets,
                            const int n_samples, __global const int *best_shape,
                            __global float *contrast)
{
    const int x = get_global_id(0);
    const int row = get_global_id(1);
    const int centre = (pad + first_row + row) * stride + pad + x;
    const int base = best_shape[row * out_cols + x] * n_samples;
    float outside = 0.0f;
    float inside = 0.0f;
    for (int j = 0; j < n_samples; ++j) {
        outside += intensity[centre + out_offsets[base + j]];
        inside += intensity[centre + in_offsets[base + j]];
    }
    contrast[row * out_cols + x] = outside > 0.0f ? (outside - inside) / outside : 0.0f;
}
