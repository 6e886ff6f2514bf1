"""Deleting and relabelling samples for the My samples window: each change goes through the
SampleStore, and the outcome comes back as a message a person can act on."""

import logging
from typing import NamedTuple

from cnn.data import LETTERS, DataError
from cnn.samples import SampleStore

log = logging.getLogger(__name__)


class Outcome(NamedTuple):
    """What a change did: the ids it left (deleted ones gone, relabelled ones renamed),
    how many samples changed, a message, and whether that message is an error."""

    ids: list[str]
    changed: int
    message: str
    error: bool


def samples(n: int) -> str:
    """'1 sample', '1,200 samples'."""
    return f"{n:,} sample{'s' if n != 1 else ''}"


def _reason(e: Exception) -> str:
    return e.strerror if isinstance(e, OSError) and e.strerror else str(e)


def delete_samples(store: SampleStore, ids: list[str]) -> Outcome:
    """Delete these samples; a file already gone counts as deleted (that is what was wished).
    A refusal (a read-only folder) keeps that sample and is said."""
    gone, failed = 0, []
    for sample_id in ids:
        try:
            store.delete(sample_id)
        except DataError:  # removed meanwhile, by hand or another program
            gone += 1
        except OSError as e:
            failed.append(e)
    deleted = len(ids) - len(failed)
    if not failed:
        already = f" ({gone} had already been removed)" if gone else ""
        return Outcome([], deleted, f"Deleted {samples(deleted)}{already}.", False)
    log.error("could not delete %d samples from %s: %s", len(failed), store.folder, failed[0])
    kept = "It is" if len(failed) == 1 else "They are"
    done = f" ({samples(deleted)} deleted)" if deleted else ""
    return Outcome([], deleted, f"Could not delete {samples(len(failed))} from {store.folder}: "
                   f"{_reason(failed[0])}{done}. {kept} still in your samples. Check that the "
                   "folder is not read-only and that you may change it.", True)


def relabel_samples(store: SampleStore, ids: list[str], label: int) -> Outcome:
    """Give these samples letter `label` (0..25), keeping their case. Stops at the first
    failure: every sample is either relabelled or as it was, never both nor neither."""
    new_ids, changed, letter = [], 0, LETTERS[label]
    for sample_id in ids:
        try:
            sample = store.get(sample_id)
        except (OSError, DataError) as e:
            log.warning("could not read sample %s to relabel it: %s", sample_id, e)
            return Outcome(new_ids, changed, f"{sample_id} is no longer in your samples folder "
                           f"(removed or damaged outside LetterLens?): {_reason(e)}. Samples "
                           f"changed before it: {changed}.", True)
        if sample.label == label:
            new_ids.append(sample_id)
            continue
        try:
            new_ids.append(store.relabel(sample_id, label, case=sample.case))
        except (OSError, DataError) as e:
            log.exception("could not relabel sample %s", sample_id)
            done = f" ({samples(changed)} changed)" if changed else ""
            return Outcome(new_ids, changed, f"Could not change {sample_id} to {letter}: "
                           f"{_reason(e)}{done}. That sample is as it was; check that the "
                           "samples folder is not read-only.", True)
        changed += 1
    return Outcome(new_ids, changed, f"Changed {samples(changed)} to {letter}.", False)
