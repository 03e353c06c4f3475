"""Two-sided Page-Hinkley test of a series' mean against its reference mean."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_DELTA = 0.1
DEFAULT_LAMBDA = 5.0


@dataclass(frozen=True, slots=True)
class DetectorSettings:
    """`delta`: mean shift ignored, in score units. `lambda_`: evidence (summed excess) that raises an alarm.

    With the defaults a shift of the mean by 0.25 alarms after about 30 answers, and stationary scores
    raise essentially no alarms per 10,000 answers (simulated on uniform, skewed and bimodal scores with a
    200-answer reference); small, slow changes are left to the JS distance of the window.
    """

    delta: float = DEFAULT_DELTA
    lambda_: float = DEFAULT_LAMBDA

    def __post_init__(self) -> None:
        if self.delta < 0 or self.lambda_ <= 0:
            raise ValueError("Page-Hinkley needs delta >= 0 and lambda > 0")


class PageHinkley:
    """Cumulative sums of x - mean - delta (upwards) and mean - x - delta (downwards), each floored at 0.

    An alarm fires when either sum exceeds lambda; both sums then restart from 0, so a lasting shift keeps
    raising alarms at a rate that grows with its size.
    """

    __slots__ = ("mean", "delta", "lambda_", "up", "down", "alarms")

    def __init__(self, mean: float, settings: DetectorSettings) -> None:
        self.mean = mean
        self.delta = settings.delta
        self.lambda_ = settings.lambda_
        self.up = 0.0
        self.down = 0.0
        self.alarms = 0

    def update(self, x: float) -> bool:
        """Feed one score; True when it raised an alarm."""
        diff = x - self.mean
        up = self.up + diff - self.delta
        down = self.down - diff - self.delta
        self.up = up if up > 0.0 else 0.0
        self.down = down if down > 0.0 else 0.0
        if self.up > self.lambda_ or self.down > self.lambda_:
            self.alarms += 1
            self.up = self.down = 0.0
            return True
        return False
