// The practical limit of the ellipse fit on this device: the same loads as fit_ellipses
// (ellipse_fit.cl) through the same offset tables and launch geometry, with trivial arithmetic.
// `vesselscope bench --stage candidates` reports the fit's samples per second against it.
#pragma OPENCL FP_CONTRACT OFF

#include "vector_lanes.h"

__kernel void gather_probe(__global const float *gx, __global const float *gy, const int stride,
                           const int pad, const int first_row, const int out_cols,
                           __constant int *offsets, const int n_shapes, const int n_samples,
                           __global float *sink)
{
    const int x0 = get_global_id(0) * VW;
    const int row = get_global_id(1);
    const int centre = (pad + first_row + row) * stride + pad + x0;
    floatV best = (floatV)(-INFINITY);
    for (int k = 0; k < n_shapes; ++k) {  // the fit's loop structure, without its arithmetic
        floatV total = (floatV)(0.0f);
        for (int j = 0; j < n_samples; ++j) {
            const int o = centre + offsets[k * n_samples + j];
            total += LOADV(gx + o) + LOADV(gy + o);
        }
        best = fmax(best, total);  // kept, so the loads cannot be dropped
    }
    STOREV(best, sink + row * out_cols + x0);
}
