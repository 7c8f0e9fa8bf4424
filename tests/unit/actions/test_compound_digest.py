"""Compound sections of the seed records (issue 16): a fee keeps its details after the amount."""

from __future__ import annotations

from actions.procedure_info import ActionAnswerProcedure

from .conftest import make_tracker


def test_a_fee_section_keeps_the_exemption_after_the_amount(database, dispatcher):
    # Cut at a word, not at its first ";": "0,5% giá tính lệ phí trước bạ; miễn trong các trường hợp …".
    text = "sang tên sổ đỏ cho con thì thuế phí thế nào, nộp hs ở đâu"
    entities = [{"entity": "procedure", "value": "1.013831", "start": 0, "end": 1}]
    ActionAnswerProcedure().run(dispatcher, make_tracker("ask_fee", text, entities), {})
    reply = dispatcher.messages[0]["text"]
    assert "0,5% giá tính lệ phí trước bạ; miễn" in reply and reply.index("Phí") < reply.index("Nơi nộp")
