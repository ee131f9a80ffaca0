from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.model import Match, Reply, Outcome

texts = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec=None, categories=None), max_size=50),
    st.text(alphabet="催收征信逾期协商上门合法吗 😭!?,。徵還\x00\x1b\u200b\ud800", max_size=200),
    st.just("催收" * 50_000),
    st.sampled_from(["", " ", "\ud83d", "\udfff\ud800", "\x00" * 10, "🙏" * 1000]),
)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=texts)
def test_any_string_returns_a_result_without_raising(real_engine, text):
    reply = real_engine.respond(text)
    assert isinstance(reply, Reply)
    assert reply.kind in set(Outcome)
    if reply.kind is Outcome.ANSWER:
        assert reply.entry is not None and reply.entry.id == reply.match.candidates[0].id
    if reply.match is not None:
        assert isinstance(reply.match, Match)
        assert all(0.0 <= c.score <= 1.0 for c in reply.match.candidates)
