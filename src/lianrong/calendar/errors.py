"""Errors of the holiday calendar: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class CalendarFileInvalid(LianRongError):
    """An official holiday schedule failed validation; ``details['rows']`` lists every problem, row by row."""

    code = "calendar.file_invalid"
    zh = "节假日文件校验未通过：共{problems}处问题，未导入任何日期（逐行明细见 rows）"
    en = "The holiday file failed validation with {problems} problem(s); no date was loaded (see rows)"
