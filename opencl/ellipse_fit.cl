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

// Score of shape k = weights[k] * sum over its samples of min(gradient . outward normal, cap).
// Global size: (cols_padded / VW, searched rows). Centres on dead ground score -INFINITY.
//
// Outlines that run off the image (rows x cols; steps and reach give each sample's (dx, dy) and
// each shape's largest): their samples there read a zero gradient. With min_in_view below
// n_samples, such an outline is scored by its samples in view, once at least min_in_view are:
// sum * n_samples / max(in view, min_in_view). Only work-items within a shape's reach of an
// edge count them.
__kernel void fit_ellipses(__global const float *gx, __global const float *gy,
                           __global const float *live, const int stride, const int pad,
                           const int first_row, const int out_cols,
                           __constant int *offsets, __constant float2 *normals,
                           __constant float *weights, const int n_shapes, const int n_samples,
                           const float edge_cap, const float live_enough, const int rows,
                           const int cols, __constant int2 *steps, __constant int *reach,
                           const int min_in_view, __global float *best_score,
                           __global int *best_shape)
{
    const int x0 = get_global_id(0) * VW;
    const int row = get_global_id(1);
    const int centre = (pad + first_row + row) * stride + pad + x0;
    const int y = first_row + row;
    const int margin = min(min(y, rows - 1 - y), min(x0, cols - VW - x0));
    floatV best = (floatV)(-INFINITY);
    intV best_k = (intV)(0);
    for (int k = 0; k < n_shapes; ++k) {
        floatV total = (floatV)(0.0f);
        for (int j = 0; j < n_samples; ++j) {
            const int o = centre + offsets[k * n_samples + j];
            const float2 n = normals[k * n_samples + j];
            const floatV along = LOADV(gx + o) * n.x;
            const floatV step = along + LOADV(gy + o) * n.y;
            total += fmin(step, (floatV)(edge_cap));
        }
        if (min_in_view < n_samples && margin < reach[k]) {
            floatV seen = (floatV)(0.0f);
            for (int j = 0; j < n_samples; ++j) {
                const int2 d = steps[k * n_samples + j];
                if (y + d.y < 0 || y + d.y >= rows)
                    continue;
                const intV xs = x0 + LANE_INDEX + d.x;
                seen += select((floatV)(0.0f), (floatV)(1.0f), (xs >= 0) & (xs < cols));
            }
            total *= (floatV)((float)n_samples) / fmax(seen, (floatV)((float)min_in_view));
        }
        const floatV score = total * weights[k];
        const intV better = isgreater(score, best);
        best = select(best, score, better);
        best_k = select(best_k, (intV)(k), better);
    }
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
