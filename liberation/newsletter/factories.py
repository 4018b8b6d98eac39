"""Test, demo and benchmark helpers: subscribers (confirmed or not) and campaigns."""

from django.utils import timezone

from .models import Campaign, Subscriber, Topic, new_key


def subscriber_make(
    *,
    email: str = "lecteur@example.org",
    language: str = "fr",
    topics: tuple[str, ...] = (Topic.CEREMONIES,),
    departement=None,
    status: str = Subscriber.Status.CONFIRMED,
) -> Subscriber:
    return Subscriber.objects.create(
        email=email,
        language=language,
        departement=departement,
        status=status,
        confirmed_at=timezone.now() if status == Subscriber.Status.CONFIRMED else None,
        **{topic: topic in topics for topic in Topic.values},
    )


def subscribers_bulk(
    count: int, *, topic: str = Topic.CEREMONIES, prefix: str = "abonne", batch: int = 5000
) -> None:
    """`count` confirmed subscribers, half French half English (bulk inserts)."""
    now = timezone.now()
    for start in range(0, count, batch):
        Subscriber.objects.bulk_create(
            [
                Subscriber(
                    email=f"{prefix}{n}@example.org",
                    language="en" if n % 2 else "fr",
                    status=Subscriber.Status.CONFIRMED,
                    confirmed_at=now,
                    key=new_key(),
                    **{topic: True},
                )
                for n in range(start, min(start + batch, count))
            ],
            batch_size=batch,
        )


def campaign_make(
    *, title: str = "Lettre de mai", topic: str = Topic.CEREMONIES, departement=None
) -> Campaign:
    return Campaign.objects.create(
        title=title,
        topic=topic,
        departement=departement,
        subject_fr="Les cérémonies du 8 mai",
        body_fr="Le 8 mai, les cérémonies nationales ont lieu à Paris.",
        subject_en="The ceremonies of 8 May",
        body_en="On 8 May, the national ceremonies take place in Paris.",
    )
