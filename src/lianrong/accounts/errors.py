"""Errors of accounts, sessions and tokens: each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class LoginFailed(LianRongError):
    code = "auth.login_failed"
    zh = "用户名或密码错误"
    en = "Wrong user name or password"


class AccountLocked(LianRongError):
    """Too many failed logins of this user name: the next attempt waits (the delay ends by itself)."""

    code = "auth.locked"
    zh = "该用户名登录失败次数过多，请{retry_after}秒后再试"
    en = "Too many failed logins for this user name; try again in {retry_after} seconds"


class NotAuthenticated(LianRongError):
    code = "auth.required"
    zh = "请先登录或提供有效的API令牌"
    en = "Log in or present a valid API token"


class TokenNeedsPassword(LianRongError):
    code = "auth.password_required"
    zh = "API令牌不能创建令牌：请以用户名和密码登录后创建"
    en = "An API token cannot create tokens: log in with your user name and password to create one"


class WeakPassword(LianRongError):
    code = "auth.weak_password"
    zh = "密码至少{min}位，须同时包含字母和数字，且不得包含用户名"
    en = "A password needs at least {min} characters with letters and digits, and must not contain the user name"


class PasswordsDiffer(LianRongError):
    code = "auth.password_mismatch"
    zh = "两次输入的密码不一致"
    en = "The two passwords differ"
