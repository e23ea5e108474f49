"""Errors of trade documents (contracts, invoices, attachments): each a stable code with a Chinese and an English message."""

from __future__ import annotations

from lianrong.kernel.errors import LianRongError


class InvoicePartyMismatch(LianRongError):
    code = "invoice.party_mismatch"
    zh = "发票的销售方和购买方必须与合同一致"
    en = "The invoice's seller and buyer must match the contract's"


class InvoiceOverallocated(LianRongError):
    code = "invoice.overallocated"
    zh = "发票{invoice}未占用金额不足：可用{available}元，申请{requested}元（一票不得多融）"
    en = "Invoice {invoice} has {available} yuan unallocated, {requested} yuan requested (one invoice cannot back more than its amount)"
    money = ("available", "requested")


class InvoiceExceedsContract(LianRongError):
    code = "invoice.exceeds_contract"
    zh = "合同项下发票总额超过合同金额"
    en = "The invoices under a contract exceed the contract amount"


class ContractMismatch(LianRongError):
    code = "contract.mismatch"
    zh = "合同与交易双方不符：{reason}"
    en = "The contract does not match the parties: {reason}"


class AttachmentRejected(LianRongError):
    code = "attachment.rejected"
    zh = "附件被拒绝：{reason}"
    en = "Attachment rejected: {reason}"


class OfdInvalid(LianRongError):
    """A ZIP that is no OFD document: no ``OFD.xml`` at its root, one that is not XML in the OFD namespace
    (or declares a DTD or entities), or a broken container."""

    code = "attachment.ofd_invalid"
    zh = "不是有效的OFD文件：须在根目录含有命名空间为 {namespace} 的 OFD.xml（{problem}）"
    en = "Not a valid OFD file: it needs an OFD.xml at its root in the {namespace} namespace ({problem})"


class OfdTooLarge(LianRongError):
    """An OFD container whose entries would inflate beyond the limits (a ZIP bomb is refused unread)."""

    code = "attachment.ofd_too_large"
    zh = "OFD文件解压后不得超过 {limit} 字节、{max_entries} 个条目"
    en = "An OFD file may inflate to at most {limit} bytes in {max_entries} entries"


class ContractUnconfirmed(LianRongError):
    code = "contract.unconfirmed"
    zh = "合同{contract}尚未经另一方确认，不能作为凭据签发或流转的贸易背景"
    en = "Contract {contract} is not yet confirmed by its other party: it cannot back a voucher or a transfer"


class InvoiceDocumentReused(LianRongError):
    code = "invoice.document_reused"
    zh = "附件{sha256}已是另一张发票的凭证：同一份扫描件不能用于两个发票号码"
    en = "File {sha256} already documents another invoice: one scan cannot back two invoice numbers"


class NonCashNotAgreed(LianRongError):
    code = "contract.non_cash_not_agreed"
    zh = "合同未约定以非现金方式（含凭据）支付，不能据此签发或转让凭据（保障中小企业款项支付条例）"
    en = "The contract does not agree to non-cash payment, so no voucher may pay it (SME payment regulation)"
