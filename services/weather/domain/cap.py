"""Turning a decided warning into a ``WarningIssued`` event with a bilingual CAP 1.2 alert."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import StrEnum

from services.weather.domain.catalogue import Catalogue, LevelBase, SignalBase, Text
from shared.contracts.envelope import derived_id
from shared.contracts.weather import (
    Basis,
    CapAlert,
    CapArea,
    CapInfo,
    Colour,
    SignalType,
    WarningIssued,
)

#: The producing service, written into every envelope.
SOURCE = "weather"

#: CAP ``info`` languages, in the order they appear in the alert.
LANGUAGES = (("zh", "zh-CN"), ("en", "en-US"))


class MsgType(StrEnum):
    """The CAP message types the engine sends."""

    ALERT = "Alert"
    UPDATE = "Update"
    CANCEL = "Cancel"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided for one (city, signal): the input of ``CapWriter.write``."""

    region: str
    signal: SignalType
    colour: Colour
    previous_colour: Colour | None
    msg_type: MsgType
    basis: Basis
    onset: datetime
    occurred_at: datetime
    causation_id: uuid.UUID | None
    correlation_id: uuid.UUID | None
    references: tuple[str, ...]


class CapWriter:
    """Writes warnings for one catalogue; everything that does not depend on the event is cached."""

    def __init__(self, catalogue: Catalogue, areas: dict[str, Text]) -> None:
        self._cat = catalogue
        self._areas = areas
        ident = catalogue.identifier
        self._agency = ident.agency_code + ident.unit_code
        self._tz = timezone(timedelta(hours=ident.timezone_offset_h))
        self._expected_within = timedelta(hours=catalogue.expected_within_h)

    @property
    def tz(self) -> timezone:
        """The time zone identifiers and ``sent`` are written in (Beijing time)."""
        return self._tz

    def sender(self, region: str) -> str:
        """The issuing unit's GB/T 35965.1 code: area, agency and unit."""
        return region + self._agency

    def identifier(self, region: str, sent: datetime) -> str:
        """The GB/T 35965.1 identifier of a message sent at ``sent`` for ``region``."""
        return f"{self.sender(region)}_{sent.astimezone(self._tz):%Y%m%d%H%M%S}"

    def reference(self, alert: CapAlert) -> str:
        """The CAP ``references`` entry pointing at ``alert`` (sender,identifier,sent)."""
        return f"{alert.sender},{alert.identifier},{alert.sent.isoformat()}"

    def area_name(self, region: str) -> Text:
        """The area's names, or its code in both languages when it is not in the areas file."""
        return self._areas.get(region) or Text(zh=region, en=region)

    def write(self, decision: Decision, sent: datetime) -> WarningIssued:
        """Build the event; ``sent`` is the (unique per region) second it is stamped with."""
        sent = sent.astimezone(self._tz)
        identifier = self.identifier(decision.region, sent)
        spec = self._cat.signals[decision.signal]
        level = spec.level(decision.colour)
        area = self.area_name(decision.region)
        infos = tuple(
            self._info(decision, spec, level, area, lang, tag, sent) for lang, tag in LANGUAGES
        )
        alert = CapAlert(
            identifier=identifier,
            sender=self.sender(decision.region),
            sent=sent,
            status="Actual",
            msg_type=decision.msg_type.value,
            scope="Public",
            references=decision.references,
            info=infos,
        )
        event_id = derived_id(
            SOURCE,
            WarningIssued.EVENT_TYPE,
            decision.region,
            decision.signal.value,
            decision.colour.value,
            decision.msg_type.value,
            decision.basis.value,
            decision.onset.isoformat(),
            identifier,
            decision.causation_id,
        )
        return WarningIssued(
            event_id=event_id,
            occurred_at=decision.occurred_at,
            source=SOURCE,
            region=decision.region,
            causation_id=decision.causation_id,
            correlation_id=decision.correlation_id or event_id,
            signal=decision.signal,
            colour=decision.colour,
            basis=decision.basis,
            alert=alert,
        )

    def _info(
        self,
        decision: Decision,
        spec: SignalBase,
        level: LevelBase,
        area: Text,
        lang: str,
        tag: str,
        sent: datetime,
    ) -> CapInfo:
        tpl = self._cat.templates
        names = self._cat.colour_names
        cancel = decision.msg_type is MsgType.CANCEL
        previous = decision.previous_colour
        values = {
            "area": getattr(area, lang),
            "event": getattr(spec.event, lang),
            "colour": getattr(names[decision.colour], lang),
            "previous_colour": getattr(names[previous], lang) if previous else "",
            "criterion": getattr(level.criterion, lang),
            "onset": f"{decision.onset.astimezone(self._tz):%Y-%m-%d %H:%M}",
        }
        values["sender"] = getattr(tpl.sender_name, lang).format(**values)
        if cancel:
            headline, description = tpl.headline.cancel, tpl.description.cancel
        elif decision.msg_type is MsgType.ALERT or previous is None:
            headline = tpl.headline.alert
        elif decision.colour.rank > previous.rank:
            headline = tpl.headline.upgrade
        else:
            headline = tpl.headline.downgrade
        if not cancel:
            description = (
                tpl.description.observed
                if decision.basis is Basis.OBSERVED
                else tpl.description.forecast
            )
        onset = sent if cancel else decision.onset.astimezone(self._tz)
        expires = sent if cancel else max(onset, sent) + timedelta(hours=spec.expires_h)
        event = getattr(spec.event, lang)
        return CapInfo(
            language=tag,
            category=spec.category,
            event=event[:1].upper() + event[1:],
            event_code=spec.type_code,
            response_type="AllClear"
            if cancel
            else level.response_type or self._cat.response_types[decision.colour],
            urgency=self._urgency(decision, sent),
            severity=self._cat.severity[decision.colour],
            certainty="Observed" if cancel or decision.basis is Basis.OBSERVED else "Likely",
            effective=sent,
            onset=onset,
            expires=expires,
            sender_name=values["sender"],
            headline=getattr(headline, lang).format(**values),
            description=getattr(description, lang).format(**values),
            instruction=getattr(tpl.cancel_instruction if cancel else level.instruction, lang),
            area=CapArea(area_desc=values["area"], geocode=decision.region),
        )

    def _urgency(self, decision: Decision, sent: datetime) -> str:
        if decision.msg_type is MsgType.CANCEL:
            return "Past"
        if decision.basis is Basis.OBSERVED:
            return "Immediate"
        return "Expected" if decision.onset - sent <= self._expected_within else "Future"
