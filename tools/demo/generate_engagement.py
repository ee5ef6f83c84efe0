#!/usr/bin/env python3
"""Generates the demo engagement history: interactions.csv and surveys.csv.

The history belongs to the demo portfolio in accounts.csv and contacts.csv
(read from this folder): 18 months of visits, meetings, calls, e-mails,
business reviews, workshops and events ending on 2026-11-15, and two years of
NPS/CSAT survey answers. The random seed is fixed, so running this again
writes the same files:

    python3 tools/demo/generate_engagement.py

The stories it tells:
  * The strategic accounts (vestwind, goteborg-trucks, nordic-foods,
    hanse-maschinenbau) are worked closely: a visit a month, a business
    review a quarter, regular executive contact, calls and e-mails.
  * baltic-shipyard, thames-rail and wroclaw-bus look like key accounts but
    are neglected: no visit for more than four months and no executive
    contact for longer, only the odd call or e-mail with buyers.
  * Satisfaction falls at goteborg-trucks, baltic-shipyard, thames-rail and
    wroclaw-bus, and stays high at the small ambassadors (aarhus-pumps,
    bergen-aqua, krone-robotics, odense-automation).
  * Prospects get a few exploratory meetings; the dormant and churned
    accounts fall silent early in the period (sheffield-forge badly).
"""

import csv
import datetime as dt
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261115
START = dt.date(2025, 5, 18)
END = dt.date(2026, 11, 15)
SURVEY_WAVES = [  # (wave ID, first day of the wave)
    ("2024-autumn", dt.date(2024, 11, 18)),
    ("2025-spring", dt.date(2025, 4, 7)),
    ("2025-autumn", dt.date(2025, 10, 6)),
    ("2026-spring", dt.date(2026, 4, 13)),
    ("2026-autumn", dt.date(2026, 10, 5)),
]

# How each account is worked. Intervals are in days (None: never); calls and
# e-mails are per month; mood is the mean sentiment (-2..2), and its drift is
# added linearly over the period; neglect_from stops visits, reviews and
# executive contact from that day (calls and e-mails with buyers go on,
# thinly); exec_until stops executive contact earlier; until ends all
# contact (dormant, churned).
PROFILES = {
    # The strategic accounts.
    "vestwind": dict(visit=30, review=91, executive=45, calls=2.5, emails=3,
                     workshops=3, events=2, mood=1.2),
    "goteborg-trucks": dict(visit=30, review=91, executive=60, calls=2.5,
                            emails=3, workshops=1, events=1, mood=0.5,
                            drift=-0.9),
    "nordic-foods": dict(visit=30, review=91, executive=75, calls=1.5,
                         emails=2, workshops=2, events=1, mood=1.0),
    "hanse-maschinenbau": dict(visit=30, review=91, executive=75, calls=1.5,
                               emails=2, workshops=2, events=2, mood=0.9),
    # Key subsidiaries and the close small partners.
    "vestwind-de": dict(visit=42, review=182, executive=None, calls=1.2,
                        emails=1.2, workshops=1, events=1, mood=0.9),
    "vestwind-us": dict(visit=60, review=182, executive=120, calls=1.2,
                        emails=1.5, workshops=1, events=1, mood=1.0),
    "krone-robotics": dict(visit=45, review=182, executive=120, calls=1,
                           emails=1, workshops=2, events=1, mood=1.4),
    "aarhus-pumps": dict(visit=45, review=182, executive=90, calls=1,
                         emails=1, workshops=1, events=1, mood=1.5),
    "odense-automation": dict(visit=60, review=365, executive=120, calls=0.8,
                              emails=0.8, workshops=1, events=1, mood=1.4),
    # Key-looking, but neglected.
    "baltic-shipyard": dict(visit=45, review=182, executive=120, calls=1,
                            emails=1, workshops=0, events=1, mood=0.2,
                            drift=-0.8, neglect_from=dt.date(2026, 5, 20),
                            exec_until=dt.date(2025, 12, 10)),
    "thames-rail": dict(visit=45, review=182, executive=120, calls=1,
                        emails=1.2, workshops=1, events=0, mood=0.6,
                        drift=-0.7, neglect_from=dt.date(2026, 6, 10),
                        exec_until=dt.date(2025, 9, 30)),
    "wroclaw-bus": dict(visit=60, review=365, executive=180, calls=0.7,
                        emails=0.8, workshops=0, events=0, mood=0.4,
                        drift=-0.8, neglect_from=dt.date(2026, 4, 15),
                        exec_until=dt.date(2025, 10, 31)),
    # The rest of the portfolio, sparser.
    "vestwind-pl": dict(visit=90, review=365, executive=None, calls=0.8,
                        emails=0.8, mood=0.5),
    "vestwind-de-service": dict(visit=90, review=None, executive=None,
                                calls=0.8, emails=0.6, mood=1.3),
    "hanse-pack": dict(visit=90, review=None, executive=None, calls=0.6,
                       emails=0.6, mood=0.7),
    "hanse-nl": dict(visit=120, review=None, executive=240, calls=0.5,
                     emails=0.5, mood=0.9),
    "nordic-foods-no": dict(visit=120, review=None, executive=None,
                            calls=0.5, emails=0.5, mood=0.8),
    "nordic-foods-dk": dict(visit=90, review=None, executive=None, calls=0.6,
                            emails=0.6, mood=0.8),
    "nordic-foods-dk-dairy": dict(visit=120, review=None, executive=None,
                                  calls=0.5, emails=0.4, workshops=1,
                                  mood=1.3),
    "delta-agri": dict(visit=120, review=365, executive=240, calls=0.5,
                       emails=0.6, mood=0.6),
    "fjellkraft": dict(visit=120, review=None, executive=None, calls=0.5,
                       emails=0.5, mood=1.1),
    "midwest-conveyor": dict(visit=120, review=365, executive=240, calls=0.7,
                             emails=0.8, mood=0.9),
    "bergen-aqua": dict(visit=120, review=None, executive=180, calls=0.5,
                        emails=0.6, workshops=1, mood=1.5),
    # Prospects: exploratory meetings, calls and e-mails.
    "vestwind-cn": dict(visit=None, review=None, executive=270, calls=0.5,
                        emails=0.6, meetings=0.3, events=1, mood=0.6,
                        since=dt.date(2025, 11, 1)),
    "shenzhen-precision": dict(visit=None, review=None, executive=None,
                               calls=0.4, emails=0.5, meetings=0.25,
                               events=1, mood=0.5),
    "rotterdam-cranes": dict(visit=None, review=None, executive=200,
                             calls=0.4, emails=0.5, meetings=0.3,
                             workshops=1, mood=0.7,
                             since=dt.date(2025, 9, 1)),
    "ohio-medtech": dict(visit=None, review=None, executive=None, calls=0.3,
                         emails=0.5, meetings=0.2, mood=0.6,
                         since=dt.date(2026, 2, 1)),
    # Dormant and churned: contact ends early.
    "lodz-textile": dict(visit=None, review=None, executive=None, calls=0.5,
                         emails=0.3, mood=0.0, until=dt.date(2025, 9, 30)),
    "ningbo-injection": dict(visit=None, review=None, executive=None,
                             calls=0.4, emails=0.4, mood=0.2,
                             until=dt.date(2025, 8, 31)),
    "sheffield-forge": dict(visit=60, review=None, executive=None, calls=1.5,
                            emails=1, mood=-0.8, drift=-0.8,
                            until=dt.date(2025, 10, 15)),
}

# Scales the rates of calls and e-mails below (to keep the history around
# 800 interactions: a demo, not a load test).
CALLS_AND_EMAILS = 0.5

# What the conversations are about, by account (falling back to industry).
TOPICS = {
    "vestwind": ["main shaft bearings for the 15 MW platform",
                 "pitch bearing lifetime data", "the 2027 frame agreement",
                 "yaw drive noise complaints", "offshore spare-parts stock",
                 "joint roadmap for bearing condition monitoring"],
    "goteborg-trucks": ["axle bearing price increase", "the 8% cost-down demand",
                        "PPM on driveline components",
                        "the electric axle programme", "payment terms",
                        "supplier scorecard Q-rating"],
    "nordic-foods": ["hygienic-design bearings for the new lines",
                     "group framework renewal", "MRO consolidation",
                     "stainless bearing trial results", "energy savings case"],
    "hanse-maschinenbau": ["servo drives for the next packaging platform",
                           "lead times on linear units", "co-development of a "
                           "compact gearbox", "price list 2027",
                           "service agreement for NL plant"],
    "baltic-shipyard": ["thruster bearing claim", "warranty dispute on hull 412",
                        "delivery delays", "price renegotiation",
                        "installation support on site"],
    "thames-rail": ["bogie bearing tender", "reliability figures for the fleet",
                    "service-level penalties", "the overhaul programme",
                    "spare-parts call-offs"],
    "wroclaw-bus": ["lower volumes for 2026", "price pressure from Asian "
                    "suppliers", "the e-bus axle project", "open invoices"],
    "sheffield-forge": ["late deliveries", "quality claim on roller batch",
                        "price increase rejected", "moving volume to a "
                        "competitor"],
}
INDUSTRY_TOPICS = ["the annual forecast", "spare-parts availability",
                   "a new bearing series", "lead times", "price list 2027",
                   "a quality question", "the maintenance programme",
                   "an application review", "on-site training"]
EVENTS = ["Hannover Messe", "WindEnergy Hamburg", "SMM Hamburg",
          "our customer day in Vejle", "Interpack", "Agritechnica",
          "a plant tour in Vejle", "InnoTrans"]

SUMMARY = {
    "visit": ["Site visit: {t}", "Visit at the plant; walked through {t}",
              "Regular visit; discussed {t}"],
    "meeting": ["Meeting on {t}", "Working meeting about {t}"],
    "call": ["Call about {t}", "Follow-up call on {t}",
             "Short call: {t}"],
    "email": ["E-mail on {t}", "Sent an update on {t}",
              "Answered their questions on {t}"],
    "business_review": ["Business review {q}: performance, {t}",
                        "Quarterly business review {q}; agenda: {t}"],
    "workshop": ["Technical workshop: {t}", "Engineering workshop on {t}"],
    "event": ["Met at {e}", "Invited to {e}; talked about {t}"],
    "executive": ["Executive meeting: {t}", "Sponsor dinner; discussed {t}",
                  "Executive meeting with our sponsor on {t}"],
    "executive_remote": ["Executive video call on {t}",
                         "Call between the sponsors about {t}"],
}
OUTCOME = {
    2: ["Agreed next phase", "Order confirmed", "Strong support for our proposal",
        "They want us as preferred supplier"],
    1: ["Positive, quote requested", "Good progress", "Open questions settled",
        "Trial approved"],
    0: ["No decision yet", "Information shared", "Waiting for their forecast",
        "Status unchanged"],
    -1: ["Concerns about price", "Complaint escalated", "They are testing a "
         "competitor", "Delivery performance criticised"],
    -2: ["Threatened to move volume", "Claim rejected, relationship tense",
         "Escalation to management", "Lost the tender round"],
}
NEXT_STEPS = ["Send quote by Friday", "Book follow-up visit", "Share test data",
              "Prepare business review", "Ask technical team for a proposal",
              "Call buyer next week", "Update the account plan", ""]


def read_csv(name):
    with open(os.path.join(HERE, name), newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def clamp(value, low, high):
    return max(low, min(high, value))


def workday(day):
    """The same day, or the Friday before when it falls on a weekend."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def quarter(day):
    return f"Q{(day.month - 1) // 3 + 1} {day.year}"


class Portfolio:
    def __init__(self):
        self.accounts = {a["account_id"]: a for a in read_csv("accounts.csv")}
        self.contacts = {}
        for c in read_csv("contacts.csv"):
            self.contacts.setdefault(c["account_id"], []).append(c)

    def internal(self, account_id, rng, with_sponsor=False, with_team=False):
        """Our people: the key account manager, and maybe the team."""
        a = self.accounts[account_id]
        people = [a["key_account_manager"]] if a["key_account_manager"] else []
        team = [m.rsplit(":", 1) for m in a["team"].split(";") if m]
        for person, role in team:
            if role == "executive_sponsor" and with_sponsor:
                people.append(person)
            elif role != "executive_sponsor" and with_team and rng.random() < 0.6:
                people.append(person)
        if not people:
            people = [person for person, _ in team[:1]]
        return people


def pick(rng, contacts, levels, count):
    pool = [c for c in contacts if c["level"] in levels]
    if not pool:
        return []
    return rng.sample(pool, min(count, len(pool)))


def generate_interactions(portfolio, rng):
    rows = []
    for account_id in sorted(PROFILES):
        p = PROFILES[account_id]
        contacts = portfolio.contacts.get(account_id, [])
        begin = max(START, p.get("since", START))
        end = min(END, p.get("until", END))
        neglect = p.get("neglect_from")
        exec_until = p.get("exec_until", END)
        topics = TOPICS.get(account_id, INDUSTRY_TOPICS)
        span = (end - begin).days or 1
        used_ids = set()
        planned = []  # (day, kind)

        def every(interval, kind, jitter):
            if not interval:
                return
            day = begin + dt.timedelta(days=rng.randint(0, interval // 2))
            while day <= end:
                planned.append((day, kind))
                day += dt.timedelta(days=interval + rng.randint(-jitter, jitter))

        def per_month(rate, kind):
            months = span / 30.4
            for _ in range(int(round(rate * months * rng.uniform(0.8, 1.2)))):
                planned.append((begin + dt.timedelta(days=rng.randint(0, span)),
                                kind))

        def per_year(rate, kind):
            for _ in range(int(round(rate * span / 365))):
                planned.append((begin + dt.timedelta(days=rng.randint(0, span)),
                                kind))

        every(p.get("visit"), "visit", 6)
        every(p.get("review"), "business_review", 10)
        every(p.get("executive"), "executive", 15)
        per_month(p.get("calls", 0) * CALLS_AND_EMAILS, "call")
        per_month(p.get("emails", 0) * CALLS_AND_EMAILS, "email")
        per_month(p.get("meetings", 0), "meeting")
        per_year(p.get("workshops", 0), "workshop")
        per_year(p.get("events", 0), "event")

        for day, kind in sorted(planned):
            day = workday(day)
            if day < begin or day > end:
                continue
            neglected = neglect is not None and day >= neglect
            if neglected and kind in ("visit", "business_review", "executive",
                                      "workshop", "event"):
                continue
            if neglected and rng.random() < 0.5:
                continue  # the calls and e-mails thin out too
            exec_ok = day < exec_until and not neglected
            if kind == "executive" and not exec_ok:
                continue
            below_exec = ["operational", "management"]
            all_levels = below_exec + (["executive"] if exec_ok else [])

            type_ = kind
            channel = ""
            internal = portfolio.internal(account_id, rng)
            if kind == "visit":
                people = pick(rng, contacts, below_exec, rng.randint(1, 2))
                if exec_ok and rng.random() < 0.25:
                    people += pick(rng, contacts, ["executive"], 1)
                internal = portfolio.internal(account_id, rng, with_team=True)
            elif kind == "business_review":
                people = pick(rng, contacts, ["management"], 1) + pick(
                    rng, contacts, ["executive"] if exec_ok else below_exec, 1)
                internal = portfolio.internal(account_id, rng, with_sponsor=True,
                                              with_team=True)
            elif kind == "executive":
                type_ = "meeting"
                people = pick(rng, contacts, ["executive"], rng.randint(1, 2))
                channel = "in_person" if rng.random() < 0.6 else "remote"
                internal = portfolio.internal(account_id, rng, with_sponsor=True)
            elif kind == "meeting":
                people = pick(rng, contacts, all_levels, rng.randint(1, 2))
                channel = "remote" if neglected or rng.random() < 0.5 else "in_person"
            elif kind == "workshop":
                people = [c for c in contacts
                          if "user" in c["roles"] or "influencer" in c["roles"]]
                people = rng.sample(people, min(len(people), rng.randint(2, 3)))
                if not exec_ok:
                    people = [c for c in people if c["level"] != "executive"]
                internal = portfolio.internal(account_id, rng, with_team=True)
            elif kind == "event":
                people = pick(rng, contacts, all_levels, rng.randint(1, 2))
            else:  # call, email
                people = pick(rng, contacts, below_exec if not exec_ok or
                              rng.random() < 0.85 else all_levels, 1)
            people = list({c["contact_id"]: c for c in people}.values())
            if not people:
                continue

            progress = (day - START).days / (END - START).days
            mood = p["mood"] + p.get("drift", 0.0) * progress
            sentiment = int(round(clamp(rng.gauss(mood, 0.7), -2, 2)))
            topic = rng.choice(topics)
            summaries = SUMMARY[kind]
            if kind == "executive" and channel == "remote":
                summaries = SUMMARY["executive_remote"]
            text = rng.choice(summaries).format(
                t=topic, q=quarter(day), e=rng.choice(EVENTS))
            hour = rng.choice([8, 9, 10, 11, 13, 14, 15])
            minute = rng.choice([0, 0, 15, 30, 45])
            occurred = dt.datetime(day.year, day.month, day.day, hour, minute)
            short = {"business_review": "review"}.get(type_, type_)
            interaction_id = f"{day:%Y%m%d}-{short}"
            n = 2
            while interaction_id in used_ids:
                interaction_id = f"{day:%Y%m%d}-{short}-{n}"
                n += 1
            used_ids.add(interaction_id)
            rows.append({
                "account_id": account_id,
                "interaction_id": interaction_id,
                "type": type_,
                "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "participants": ";".join(sorted(c["contact_id"] for c in people)),
                "internal_participants": ";".join(dict.fromkeys(internal)),
                "channel": channel,
                "summary": text,
                "outcome": rng.choice(OUTCOME[sentiment]),
                "next_steps": rng.choice(NEXT_STEPS),
                "sentiment": str(sentiment),
            })
    rows.sort(key=lambda r: (r["occurred_at"], r["account_id"]))
    return rows


# Survey answers: the mean NPS answer at the start of the two years, and its
# change over them (None: the account is not surveyed).
SATISFACTION = {
    "vestwind": (8.9, 0.2), "goteborg-trucks": (7.5, -4.5),
    "nordic-foods": (8.0, 0.3), "hanse-maschinenbau": (8.0, 0.0),
    "vestwind-de": (8.0, 0.0), "vestwind-us": (7.5, 0.8),
    "krone-robotics": (9.2, 0.3), "aarhus-pumps": (9.5, 0.0),
    "odense-automation": (9.0, 0.5), "baltic-shipyard": (6.5, -4.0),
    "thames-rail": (7.5, -3.0), "wroclaw-bus": (7.5, -4.0),
    "vestwind-pl": (7.0, 0.0), "vestwind-de-service": (9.0, 0.0),
    "hanse-pack": (7.5, 0.0), "hanse-nl": (8.0, 0.0),
    "nordic-foods-no": (7.5, 0.0), "nordic-foods-dk": (7.5, 0.5),
    "nordic-foods-dk-dairy": (9.0, 0.0), "delta-agri": (7.0, 0.0),
    "fjellkraft": (8.5, 0.0), "midwest-conveyor": (8.0, 0.0),
    "bergen-aqua": (9.5, 0.0),
}
# Surveyed twice a wave (two respondents) because they matter most.
TWO_RESPONDENTS = {"vestwind", "goteborg-trucks", "nordic-foods",
                   "hanse-maschinenbau", "baltic-shipyard", "thames-rail",
                   "krone-robotics", "aarhus-pumps", "wroclaw-bus"}
COMMENTS = {
    "high": ["Reliable partner, great engineering support",
             "Quick answers from the service team",
             "Always there when we need them", "Best supplier we have",
             ""],
    "mid": ["Good products, prices too high", "Lead times could be shorter",
            "OK, but slow on quotes", "", ""],
    "low": ["Deliveries late again, no proactive information",
            "We rarely see our account manager",
            "Too expensive compared to the market",
            "Quality claims take far too long", "Nobody visits us any more"],
}


def generate_surveys(portfolio, rng):
    rows = []
    waves_start = SURVEY_WAVES[0][1]
    total_days = (END - waves_start).days
    for wave, first_day in SURVEY_WAVES:
        for account_id in sorted(SATISFACTION):
            base, change = SATISFACTION[account_id]
            contacts = [c for c in portfolio.contacts[account_id]
                        if c["level"] != "operational"] or \
                portfolio.contacts[account_id]
            count = 2 if account_id in TWO_RESPONDENTS else 1
            if count == 1 and rng.random() < 0.35:
                continue  # no answer this wave
            for contact in rng.sample(contacts, min(count, len(contacts))):
                day = workday(first_day + dt.timedelta(days=rng.randint(0, 20)))
                progress = (day - waves_start).days / total_days
                nps = int(round(clamp(rng.gauss(base + change * progress, 0.9),
                                      0, 10)))
                csat = int(clamp(round(1 + nps * 0.4 + rng.uniform(-0.5, 0.5)),
                                 1, 5))
                if rng.random() < 0.1:
                    csat = ""  # NPS question only
                mood = "high" if nps >= 9 else "mid" if nps >= 7 else "low"
                anonymous = rng.random() < 0.08
                rows.append({
                    "account_id": account_id,
                    "response_id": f"{wave}-{contact['contact_id']}",
                    "contact_id": "" if anonymous else contact["contact_id"],
                    "nps": str(nps),
                    "csat": str(csat),
                    "responded_at": day.isoformat(),
                    "comment": rng.choice(COMMENTS[mood]),
                })
    # CSAT-only answers after service cases, through the two years.
    service_accounts = ["vestwind", "vestwind-de-service", "goteborg-trucks",
                        "baltic-shipyard", "thames-rail", "fjellkraft",
                        "nordic-foods-dk", "wroclaw-bus"]
    for n in range(22):
        account_id = rng.choice(service_accounts)
        base, change = SATISFACTION[account_id]
        day = workday(waves_start + dt.timedelta(days=rng.randint(0, total_days)))
        progress = (day - waves_start).days / total_days
        csat = int(clamp(round(rng.gauss((base + change * progress) / 2, 0.7)),
                         1, 5))
        contact = rng.choice(portfolio.contacts[account_id])
        rows.append({
            "account_id": account_id,
            "response_id": f"service-{day:%Y%m%d}-{n + 1}",
            "contact_id": contact["contact_id"],
            "nps": "",
            "csat": str(csat),
            "responded_at": day.isoformat(),
            "comment": "Service case closed" if csat >= 4 else
                       "Service case took too long",
        })
    rows.sort(key=lambda r: (r["responded_at"], r["account_id"],
                             r["response_id"]))
    return rows


def write_csv(name, columns, rows):
    with open(os.path.join(HERE, name), "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main():
    rng = random.Random(SEED)
    portfolio = Portfolio()
    interactions = generate_interactions(portfolio, rng)
    surveys = generate_surveys(portfolio, rng)
    write_csv("interactions.csv",
              ["account_id", "interaction_id", "type", "occurred_at",
               "participants", "internal_participants", "channel", "summary",
               "outcome", "next_steps", "sentiment"], interactions)
    write_csv("surveys.csv",
              ["account_id", "response_id", "contact_id", "nps", "csat",
               "responded_at", "comment"], surveys)
    print(f"interactions.csv: {len(interactions)} rows; "
          f"surveys.csv: {len(surveys)} rows")


if __name__ == "__main__":
    main()
