"""Seed riders of the simulator: every status, several platforms, real-looking data."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from chinatime import CN_TZ
from xgm.citysim.state import Rider

PLATFORMS = {
    "meituan": "美团外卖",
    "eleme": "饿了么",
    "dada": "达达快送",
    "shansong": "闪送",
    "sf": "顺丰同城",
}

#: Well-known seed riders, one per status, for tests and demos.
SEED_ACTIVE = "XGM330122000123"
SEED_SUSPENDED = "XGM330122000132"
SEED_REVOKED = "XGM330106000202"
SEED_EXPIRED = "XGM330108000302"

# code, name, phone, platform, station, team, supervision phone, status, days of validity left
# fmt: off
_SEED = [
    ("XGM330122000123", "王小明", "13800001234", "meituan", "桐庐城南站", "城南二队", "0571-64610000", "active", 580),
    ("XGM330122000124", "李建国", "13905711024", "meituan", "桐庐城南站", "城南一队", "0571-64610000", "active", 300),
    ("XGM330122000131", "张伟", "13757120031", "eleme", "桐庐迎春站", "迎春三队", "0571-64612345", "active", 420),
    ("XGM330122000132", "刘洋", "15888230132", "eleme", "桐庐迎春站", "迎春一队", "0571-64612345", "suspended", 200),
    ("XGM330106000201", "陈静", "13605810201", "dada", "西湖文新站", "文新二队", "0571-87010000", "active", 365),
    ("XGM330106000202", "杨帆", "18758100202", "dada", "西湖文新站", "文新一队", "0571-87010000", "revoked", 100),
    ("XGM330108000301", "赵磊", "13067890301", "shansong", "滨江长河站", "长河一队", "0571-87700000", "active", 250),
    ("XGM330108000302", "黄海涛", "15968100302", "shansong", "滨江长河站", "长河二队", "0571-87700000", "active", -12),
    ("XGM330105000401", "周杰", "17816880401", "sf", "拱墅大关站", "大关一队", "0571-88200000", "active", 500),
    ("XGM330105000402", "吴桂芳", "13588030402", "sf", "拱墅大关站", "大关二队", "0571-88200000", "suspended", 150),
    ("XGM330102000501", "徐磊", "13819150501", "meituan", "上城湖滨站", "湖滨三队", "0571-87000000", "active", 330),
    ("XGM330102000502", "孙丽娟", "13732160502", "meituan", "上城湖滨站", "湖滨一队", "0571-87000000", "revoked", 40),
    ("XGM330122000601", "马超", "15157160601", "eleme", "桐庐城南站", "城南饿了么一队", "0571-64610000", "active", -3),
    ("XGM330122000602", "朱晓峰", "18867180602", "dada", "桐庐迎春站", "迎春达达队", "0571-64612345", "active", 90),
    ("XGM330106000701", "胡志强", "13989470701", "meituan", "西湖文新站", "文新五队", "0571-87010000", "active", 720),
    ("XGM330108000702", "郭婷", "15067110702", "eleme", "滨江长河站", "长河饿了么二队", "0571-87700000", "active", 45),
]
# fmt: on

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
# fmt: off
_GIVEN = [
    "伟", "芳", "军", "磊", "洋", "勇", "杰", "涛", "明", "超", "强", "平", "刚", "辉", "鹏",
    "建华", "志勇", "晓东", "海波", "国强", "文斌", "春生", "永康", "红梅", "佳怡",
]
# fmt: on
_STATIONS = [
    ("桐庐城南站", "0571-64610000"),
    ("桐庐迎春站", "0571-64612345"),
    ("西湖文新站", "0571-87010000"),
    ("滨江长河站", "0571-87700000"),
    ("拱墅大关站", "0571-88200000"),
    ("上城湖滨站", "0571-87000000"),
]


def seed_riders(today: date | None = None) -> list[Rider]:
    """Return fresh copies of the seed riders, validity relative to today."""
    today = today or datetime.now(CN_TZ).date()
    updated = datetime.combine(today, time(9, 0), CN_TZ)
    return [
        Rider(
            rider_code=code,
            name=name,
            phone=phone,
            platform_code=platform,
            platform_name=PLATFORMS[platform],
            station=station,
            team=team,
            supervision_phone=supervision,
            status=status,
            valid_until=today + timedelta(days=days),
            updated_at=updated,
        )
        for code, name, phone, platform, station, team, supervision, status, days in _SEED
    ]


def bulk_rider(prefix: str, number: int, width: int, today: date) -> Rider:
    """Return the deterministic active rider number `number` of a bulk batch."""
    platforms = list(PLATFORMS)
    platform = platforms[number % len(platforms)]
    station, supervision = _STATIONS[number % len(_STATIONS)]
    name = _SURNAMES[number % len(_SURNAMES)] + _GIVEN[(number // len(_SURNAMES)) % len(_GIVEN)]
    return Rider(
        rider_code=f"{prefix}{number:0{width}d}",
        name=name,
        phone=f"139{number % 100_000_000:08d}",
        platform_code=platform,
        platform_name=PLATFORMS[platform],
        station=station,
        team=f"{station[-3:-1]}{number % 5 + 1}队",
        supervision_phone=supervision,
        status="active",
        valid_until=today + timedelta(days=365),
        updated_at=datetime.now(CN_TZ).replace(microsecond=0),
        bulk=True,
    )
