"""The typed error every conversion raises for a message it cannot turn into a sample."""

from __future__ import annotations

from omnibind_ros.core.errors import OmniBindError


class ConversionError(OmniBindError, ValueError):
    """A message whose structure does not allow a sample: bad encoding, sizes, fields or layout.

    Conversions check structure (sizes, encodings, fields) and value ranges that would wrap
    when narrowed; a converter then runs core's sample check (all-NaN frames, Inf, audio far
    outside [-1, 1], ...) and reports its failure as this error too, naming the topic.
    """

    def __init__(
        self, problem: str, *, encoding: str = "", msg_type: str = "", topic: str = ""
    ) -> None:
        self.problem = problem
        self.encoding = encoding
        self.msg_type = msg_type
        self.topic = topic
        super().__init__(self._describe())

    def _describe(self) -> str:
        context = [part for part in (self.topic, self.msg_type) if part]
        if self.encoding:
            context.append(f"encoding {self.encoding!r}")
        return f"{' '.join(context)}: {self.problem}" if context else self.problem

    def in_context(self, *, msg_type: str, topic: str) -> ConversionError:
        """The same problem, naming the message type and topic it happened on."""
        return ConversionError(
            self.problem,
            encoding=self.encoding,
            msg_type=self.msg_type or msg_type,
            topic=self.topic or topic,
        )
