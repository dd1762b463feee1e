from collections import Counter

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orgtree.tree import subtree_q
from profiles.models import Finding, Membership, Profile, SalaryHistory, WorkHistory
from profiles.synthetic import PeopleGenerator, generate_people


@pytest.fixture
def people(tree):
    result = generate_people(tree["H40"], 300, seed=7)
    return result


def test_generated_people_are_valid_and_inside_the_subtree(people, tree):
    assert people.profiles == 300 and people.rate > 0
    profiles = Profile.objects.all()
    assert profiles.count() == 300
    assert profiles.filter(subtree_q(tree["H40"], "unit")).count() == 300
    # every generated ID agrees with birth date, sex and province: the validator finds no error
    errors = Counter(Finding.objects.filter(severity="error").values_list("code", flat=True))
    assert errors == Counter()
    assert profiles.filter(validated_at__isnull=True).count() == 0


def test_names_and_careers_are_plausible(people):
    families = Counter(n.split()[0] for n in Profile.objects.values_list("full_name", flat=True))
    share = families["Nguyễn"] / 300
    assert 0.28 < share < 0.48
    party = Membership.objects.filter(organisation="party")
    assert party.exists()
    assert all(m.full_membership_date > m.admission_date for m in party)
    # derived fields agree with the histories
    for p in Profile.objects.order_by("?")[:20]:
        open_main = WorkHistory.objects.get(profile=p, end_date__isnull=True, concurrent=False)
        assert p.unit_id == open_main.unit_id
        last_pay = SalaryHistory.objects.filter(profile=p).latest("effective_date")
        assert (p.grade_code, p.salary_step) == (last_pay.grade_code, last_pay.step)


def test_deterministic_by_seed(tree):
    def people(seed):
        gen = PeopleGenerator(tree["H40"], seed)
        out = []
        for _ in range(30):
            profile, rows = gen.person()
            out.append((profile.personal_id, profile.full_name, profile.unit_id,
                        [(w.start_date, w.unit_id) for w in rows["work"]]))  # fmt: skip
        return out

    assert people(3) == people(3)
    assert people(3) != people(4)


def test_deleting_a_profile_deletes_its_rows_without_revalidating(tree):
    generate_people(tree["H40.10"], 3, seed=3)
    Profile.objects.all().delete()
    assert not Finding.objects.exists() and not WorkHistory.objects.exists()


def test_command(tree, capsys):
    call_command("generate_people", "--unit", "h40.11", "--count", "5", "--seed", "1")
    assert "hồ sơ/giây" in capsys.readouterr().out
    assert Profile.objects.filter(unit=tree["H40.11"]).count() == 5
    with pytest.raises(CommandError, match="H77"):
        call_command("generate_people", "--unit", "H77", "--count", "5")
