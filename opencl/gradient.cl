// Smoothing and gradient of one level (or of the full-resolution frame for the refinement).
// NumPy reference: vesselscope/candidates/reference_gradient.py (smooth, gradient_images).
// Smoothing is separable with clamped edges and runs on the values and the live share
// together; the smoothed intensity is values / live (normalised convolution), so the black
// border of the scanner neither darkens nor brightens the tissue next to it.
#pragma OPENCL FP_CONTRACT OFF

#include "vector_lanes.h"

// Both passes give one work-item VW neighbouring pixels of a row: vector loads in the
// interior, a clamped scalar loop where the taps reach past an edge. (One branch at the top
// of the kernel: PoCL vectorises this shape, and ran it 2x slower split into helpers.)
// Global size: (ceil(cols / VW), rows).
__kernel void smooth_rows(__global const float *src_a, __global const float *src_b,
                          const int cols, __constant float *taps, const int radius,
                          __global float *dst_a, __global float *dst_b)
{
    const int x0 = get_global_id(0) * VW;
    const int row = get_global_id(1) * cols;
    if (x0 - radius >= 0 && x0 + VW - 1 + radius < cols) {
        floatV acc_a = (floatV)(0.0f);
        floatV acc_b = (floatV)(0.0f);
        for (int t = 0; t <= 2 * radius; ++t) {
            const int i = row + x0 + t - radius;
            acc_a += taps[t] * LOADV(src_a + i);
            acc_b += taps[t] * LOADV(src_b + i);
        }
        STOREV(acc_a, dst_a + row + x0);
        STOREV(acc_b, dst_b + row + x0);
        return;
    }
    for (int x = x0; x < min(x0 + VW, cols); ++x) {
        float acc_a = 0.0f;
        float acc_b = 0.0f;
        for (int t = 0; t <= 2 * radius; ++t) {
            const int i = row + clamp(x + t - radius, 0, cols - 1);
            acc_a += taps[t] * src_a[i];
            acc_b += taps[t] * src_b[i];
        }
        dst_a[row + x] = acc_a;
        dst_b[row + x] = acc_b;
    }
}

__kernel void smooth_cols(__global const float *src_a, __global const float *src_b,
                          const int rows, const int cols, __constant float *taps,
                          const int radius, __global float *dst_a, __global float *dst_b)
{
    const int x0 = get_global_id(0) * VW;
    const int y = get_global_id(1);
    if (x0 + VW <= cols) {
        floatV acc_a = (floatV)(0.0f);
        floatV acc_b = (floatV)(0.0f);
        for (int t = 0; t <= 2 * radius; ++t) {
            const int i = clamp(y + t - radius, 0, rows - 1) * cols + x0;
            acc_a += taps[t] * LOADV(src_a + i);
            acc_b += taps[t] * LOADV(src_b + i);
        }
        STOREV(acc_a, dst_a + y * cols + x0);
        STOREV(acc_b, dst_b + y * cols + x0);
        return;
    }
    for (int x = x0; x < cols; ++x) {
        float acc_a = 0.0f;
        float acc_b = 0.0f;
        for (int t = 0; t <= 2 * radius; ++t) {
            const int i = clamp(y + t - radius, 0, rows - 1) * cols + x;
            acc_a += taps[t] * src_a[i];
            acc_b += taps[t] * src_b[i];
        }
        dst_a[y * cols + x] = acc_a;
        dst_b[y * cols + x] = acc_b;
    }
}

inline float smoothed_at(__global const float *values, __global const float *weight,
                         const int i, const float live_enough)
{
    const float w = weight[i];
    return w >= live_enough ? values[i] / w : 0.0f;
}

// Central differences of the smoothed intensity at (x, y) with clamped neighbours, times gain;
// zero along an axis where either neighbour is dead ground. (gx, gy).
inline float2 clamped_gradient(__global const float *values, __global const float *weight,
                               const int rows, const int cols, const int x, const int y,
                               const float gain, const float live_enough)
{
    const int left = y * cols + max(x - 1, 0);
    const int right = y * cols + min(x + 1, cols - 1);
    const int up = max(y - 1, 0) * cols + x;
    const int down = min(y + 1, rows - 1) * cols + x;
    const bool across = weight[left] >= live_enough && weight[right] >= live_enough;
    const bool along = weight[up] >= live_enough && weight[down] >= live_enough;
    return (float2)(across ? (smoothed_at(values, weight, right, live_enough)
                              - smoothed_at(values, weight, left, live_enough)) * gain : 0.0f,
                    along ? (smoothed_at(values, weight, down, live_enough)
                             - smoothed_at(values, weight, up, live_enough)) * gain : 0.0f);
}

// One work-item per pixel of the padded output (pad around, `stride` wide): intensity with
// edges replicated; gradient (central difference x gain) zero outside the image and where a
// difference reaches mostly dead ground; the binned live share, zero outside.
__kernel void gradient(__global const float *values, __global const float *weight,
                       __global const float *live, const int rows, const int cols,
                       const int pad, const int stride, const float gain,
                       const float live_enough,
                       __global float *intensity, __global float *gx, __global float *gy,
                       __global float *live_out)
{
    const int px = get_global_id(0);
    const int py = get_global_id(1);
    const int x = px - pad;
    const int y = py - pad;
    const int xc = clamp(x, 0, cols - 1);
    const int yc = clamp(y, 0, rows - 1);
    const int out = py * stride + px;
    intensity[out] = smoothed_at(values, weight, yc * cols + xc, live_enough);
    if (x < 0 || x >= cols || y < 0 || y >= rows) {
        gx[out] = 0.0f;
        gy[out] = 0.0f;
        live_out[out] = 0.0f;
        return;
    }
    const float2 g = clamped_gradient(values, weight, rows, cols, x, y, gain, live_enough);
    gx[out] = g.x;
    gy[out] = g.y;
    live_out[out] = live[y * cols + x];
}

// The full-resolution gradient for the refinement: gx, gy only, written inside a zero border of
// `pad` pixels (the border is cleared once when the buffers are made). One work-item per VW
// pixels of a row: vector code inside the frame, the clamped scalar code along its edges.
// Global size: (ceil(cols / VW), rows).
__kernel void gradient_full(__global const float *values, __global const float *weight,
                            const int rows, const int cols, const int pad, const int stride,
                            const float gain, const float live_enough,
                            __global float *gx, __global float *gy)
{
    const int x0 = get_global_id(0) * VW;
    const int y = get_global_id(1);
    const int out = (y + pad) * stride + x0 + pad;
#if VW > 1
    if (y >= 1 && y < rows - 1 && x0 >= 1 && x0 + VW < cols) {
        const int i = y * cols + x0;
        const floatV w_left = LOADV(weight + i - 1);
        const floatV w_right = LOADV(weight + i + 1);
        const floatV w_up = LOADV(weight + i - cols);
        const floatV w_down = LOADV(weight + i + cols);
        const floatV zero = (floatV)(0.0f);
        const floatV enough = (floatV)(live_enough);
        const floatV left = select(zero, LOADV(values + i - 1) / w_left, isgreaterequal(w_left, enough));
        const floatV right = select(zero, LOADV(values + i + 1) / w_right, isgreaterequal(w_right, enough));
        const floatV up = select(zero, LOADV(values + i - cols) / w_up, isgreaterequal(w_up, enough));
        const floatV down = select(zero, LOADV(values + i + cols) / w_down, isgreaterequal(w_down, enough));
        const floatV across = (right - left) * gain;
        const floatV along = (down - up) * gain;
        STOREV(select(zero, across, isgreaterequal(w_left, enough) & isgreaterequal(w_right, enough)), gx + out);
        STOREV(select(zero, along, isgreaterequal(w_up, enough) & isgreaterequal(w_down, enough)), gy + out);
        return;
    }
#endif
    for (int x = x0; x < min(x0 + VW, cols); ++x) {
        const float2 g = clamped_gradient(values, weight, rows, cols, x, y, gain, live_enough);
        gx[out + x - x0] = g.x;
        gy[out + x - x0] = g.y;
    }
}
