"""Beat's schedule entries expire: a periodic task's message still queued when its next run is due (the workers down or
behind) is dropped by the worker, since the next run does the same work; without that, a backlog of runs of the same job
would run one after another once the workers are back."""
from celery.schedules import crontab

HOUR, DAY = 3600.0, 86400.0


def interval(schedule: float | crontab) -> float:
    """The seconds between two runs of `schedule`: a number is that interval; a crontab runs every hour when every hour
    is in it, once a day when one hour of every day is, once a month (28 days, the shortest) when one hour of one day of
    every month is.

    :raises ValueError: any other crontab (more than one run an hour, weekly, every few hours, …), whose interval one
        number would misstate: give it in seconds instead
    """
    if not isinstance(schedule, crontab):
        return float(schedule)
    if len(schedule.minute) > 1:
        raise ValueError(f"{schedule!r}: more than one run an hour: give its interval in seconds instead")
    every_day = len(schedule.day_of_month) == 31 and len(schedule.day_of_week) == 7 and len(schedule.month_of_year) == 12
    if len(schedule.hour) == 24 and every_day:
        return HOUR
    if len(schedule.hour) == 1 and every_day:
        return DAY
    if (len(schedule.hour), len(schedule.day_of_month), len(schedule.day_of_week), len(schedule.month_of_year)) == (1, 1, 7, 12):
        return 28 * DAY
    raise ValueError(f"{schedule!r}: neither hourly, daily nor monthly: give its interval in seconds instead")


def expiring(entries: dict[str, dict]) -> dict[str, dict]:
    """The beat schedule `entries`, each with `options.expires`: its interval."""
    return {name: entry | {"options": entry.get("options", {}) | {"expires": interval(entry["schedule"])}} for name, entry in entries.items()}
