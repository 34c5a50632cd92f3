"""Business days from the holidays library: weekends, national holidays, Alsace-Moselle, overseas."""

from datetime import datetime, timezone

from gateway.business_days import add_business_days, business_days_between, holiday_name

UTC = timezone.utc


def test_a_weekend_does_not_count():
    friday = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)  # 10:00 in Paris
    assert add_business_days(friday, 3, "13") == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # Wednesday
    # 23:00 UTC on Tuesday is already Wednesday in Paris: local dates count.
    assert business_days_between(friday, datetime(2026, 12, 8, 23, 0, tzinfo=UTC), "13") == 3
    assert business_days_between(friday, datetime(2026, 12, 8, 22, 0, tzinfo=UTC), "13") == 2
    assert business_days_between(friday, datetime(2026, 12, 7, 8, 0, tzinfo=UTC), "13") == 1


def test_christmas_and_the_26th_in_alsace_moselle():
    wednesday = datetime(2025, 12, 24, 9, 0, tzinfo=UTC)
    # Marseille: 25 (holiday), 26 Fri counts, then Mon 29, Tue 30.
    assert add_business_days(wednesday, 3, "13") == datetime(2025, 12, 30, 9, 0, tzinfo=UTC)
    # Strasbourg and Metz: the 26th is a holiday too.
    assert add_business_days(wednesday, 3, "67") == datetime(2025, 12, 31, 9, 0, tzinfo=UTC)
    assert add_business_days(wednesday, 3, "57") == datetime(2025, 12, 31, 9, 0, tzinfo=UTC)
    assert holiday_name(datetime(2025, 12, 26).date(), "68") is not None
    assert holiday_name(datetime(2025, 12, 26).date(), "13") is None


def test_overseas_departments_have_their_own_days_and_clock():
    assert holiday_name(datetime(2026, 12, 20).date(), "974") is not None  # abolition of slavery, La Réunion
    assert holiday_name(datetime(2026, 5, 27).date(), "971") is not None  # Guadeloupe
    assert holiday_name(datetime(2026, 12, 20).date(), "75") is None
    # Friday 21:00 UTC is already Saturday 01:00 in La Réunion: counted from Monday 00:00 there.
    late_friday = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)
    assert add_business_days(late_friday, 1, "974") == datetime(2026, 12, 7, 20, 0, tzinfo=UTC)


def test_a_start_on_a_holiday_counts_from_the_next_business_morning():
    may_first = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)  # Friday, a holiday
    assert add_business_days(may_first, 3, None) == datetime(2026, 5, 6, 22, 0, tzinfo=UTC)  # Thu 7 00:00 Paris
