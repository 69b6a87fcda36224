"""A Kalman filter over one vessel: centre with constant velocity, semi-axes near-constant (mm)."""

from __future__ import annotations

import numpy as np

# State: [cx, cy, vx, vy, a, b] in mm and mm/s. Measurement: [cx, cy, a, b] in mm.
_H = np.zeros((4, 6))
_H[0, 0] = _H[1, 1] = _H[2, 4] = _H[3, 5] = 1.0


class VesselKalman:
    """Process noise is set by how fast a probe slides (centre acceleration, mm/s^2) and how fast
    a vessel deforms (semi-axis change, mm/s); measurement noise by the search's precision (mm)."""

    def __init__(
        self,
        measurement: np.ndarray,
        *,
        accel_mm_s2: float = 40.0,
        deform_mm_s: float = 4.0,
        measure_sd_mm: float = 0.25,
    ) -> None:
        self.x = np.array(
            [measurement[0], measurement[1], 0.0, 0.0, measurement[2], measurement[3]]
        )
        self.P = np.diag([measure_sd_mm**2] * 2 + [25.0, 25.0] + [measure_sd_mm**2] * 2)
        self._accel = accel_mm_s2
        self._deform = deform_mm_s
        self._R = np.eye(4) * measure_sd_mm**2

    def predict(self, dt: float) -> np.ndarray:
        dt = max(dt, 1e-3)
        F = np.eye(6)
        F[0, 2] = F[1, 3] = dt
        q = self._accel**2
        # Piecewise-constant white acceleration for the centre; random walk for the semi-axes.
        block = q * np.array([[dt**4 / 4, dt**3 / 2], [dt**3 / 2, dt**2]])
        Q = np.zeros((6, 6))
        for axis in (0, 1):
            index = [axis, axis + 2]
            Q[np.ix_(index, index)] = block
        Q[4, 4] = Q[5, 5] = (self._deform * dt) ** 2
        self.x = F @ self.x
        self.P = F @ self.P @ F.T + Q
        return self.x

    def update(self, measurement: np.ndarray) -> None:
        innovation = measurement - _H @ self.x
        S = _H @ self.P @ _H.T + self._R
        K = self.P @ _H.T @ np.linalg.inv(S)
        self.x = self.x + K @ innovation
        self.P = (np.eye(6) - K @ _H) @ self.P

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.x[0]), float(self.x[1])

    @property
    def axes(self) -> tuple[float, float]:
        return float(self.x[4]), float(self.x[5])
