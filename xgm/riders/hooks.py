"""What the riders package does with city events: drop a changed rider's cached card."""

from xgm.riders.city import forget_rider


def on_rider_status_changed(event: dict) -> None:
    """rider.status_changed: no cached card may admit the rider any more, in any tenant."""
    rider_code, status = event.get("rider_code"), event.get("status")
    if isinstance(rider_code, str) and rider_code:
        forget_rider(rider_code, status if isinstance(status, str) else "")
