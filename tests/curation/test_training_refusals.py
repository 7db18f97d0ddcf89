"""One training run at a time: a second request is refused, even when two arrive at once."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from diagnosis.models import TrainingRun
from diagnosis.models.curation import TrainingRunQuerySet
from diagnosis.services import training as curation

pytestmark = pytest.mark.django_db


def test_a_second_start_is_refused_with_a_clear_message(client, administrator, installed):
    client.force_login(administrator)
    first = client.post("/analyses/curation/training/start/", {"small": "on"})
    assert first.status_code == 302
    second = client.post("/analyses/curation/training/start/", {"small": "on"}, follow=True)
    run = TrainingRun.objects.get()
    assert f"already in progress (run #{run.pk})".encode() in second.content
    assert TrainingRun.objects.count() == 1


def test_two_requests_that_both_pass_the_check_still_give_one_run(
    administrator, installed, monkeypatch
):
    curation.training_start(by=administrator, small=True)
    # Both requests saw no open run (the race): the database's unique index decides.
    monkeypatch.setattr(TrainingRunQuerySet, "open", lambda self: self.none())
    with pytest.raises(ValidationError, match="already in progress"):
        curation.training_start(by=administrator, small=True)
    assert TrainingRun.objects.count() == 1


def test_a_finished_run_lets_the_next_one_start(administrator, installed):
    run = curation.training_start(by=administrator, small=True)
    curation.training_cancel(run=run, by=administrator)
    assert TrainingRun.objects.get(pk=run.pk).status == "cancelled"
    curation.training_start(by=administrator, small=True)
    assert TrainingRun.objects.filter(is_open=True).count() == 1


def test_the_retraining_default_is_the_cli_recipe() -> None:
    from diagnosis import engine
    from diagnosis.ml import train

    assert engine.recipe_epochs(small=False) == train.RECIPE.epochs
    assert engine.recipe_epochs(small=True) == train.SMALL_RECIPE.epochs
