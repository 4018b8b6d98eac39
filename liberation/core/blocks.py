"""StreamField blocks shared by every page type."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from .video import parse_video_url

RICH_TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "blockquote"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=255)
    level = blocks.ChoiceBlock(
        choices=[("h2", _("Level 2")), ("h3", _("Level 3"))], default="h2", label=_("Level")
    )

    class Meta:
        icon = "title"
        label = _("Heading")
        template = "blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=255)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Quotation"))
    source = blocks.CharBlock(label=_("Source"), required=False, max_length=255)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "blocks/quote.html"


class VideoBlock(blocks.StructBlock):
    """A local video file (with WebVTT captions) or a Dailymotion, YouTube or Vimeo URL.

    External players sit behind a click-to-load placeholder: nothing is requested from
    the provider before the reader agrees. The transcript is required (RGAA 4.1).
    """

    title = blocks.CharBlock(label=_("Title"), max_length=255)
    url = blocks.URLBlock(
        label=_("Video URL"),
        required=False,
        help_text=_("A Dailymotion, YouTube or Vimeo address. Leave empty for a local file."),
    )
    file = DocumentChooserBlock(
        label=_("Video file"), required=False, help_text=_("An MP4 or WebM file.")
    )
    captions = DocumentChooserBlock(
        label=_("Captions (WebVTT)"), required=False, help_text=_("A .vtt file.")
    )
    caption = blocks.TextBlock(label=_("Caption"), required=False)
    transcript = blocks.TextBlock(label=_("Transcript"))

    class Meta:
        icon = "media"
        label = _("Video")
        template = "blocks/video.html"

    def clean(self, value):
        errors = {}
        try:
            value = super().clean(value)
        except StructBlockValidationError as error:
            errors.update(error.block_errors)
        url, file = value.get("url"), value.get("file")
        if url and file:
            errors.setdefault("url", ValidationError(_("Give either a URL or a file, not both.")))
        elif not url and not file:
            errors.setdefault("url", ValidationError(_("Give a video URL or choose a video file.")))
        elif url and parse_video_url(url) is None:
            message = _("Only Dailymotion, YouTube and Vimeo video addresses are accepted.")
            errors.setdefault("url", ValidationError(message))
        captions = value.get("captions")
        if captions and not captions.file.name.lower().endswith(".vtt"):
            errors.setdefault(
                "captions", ValidationError(_("Captions must be a WebVTT (.vtt) file."))
            )
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["external"] = parse_video_url(value["url"]) if value.get("url") else None
        return context


class RelatedContentBlock(blocks.StructBlock):
    """Cards pointing to other content, placed by the editor inside the body."""

    heading = blocks.CharBlock(label=_("Heading"), required=False, max_length=255)
    pages = blocks.ListBlock(blocks.PageChooserBlock(label=_("Page")), label=_("Pages"))

    class Meta:
        icon = "list-ul"
        label = _("Related content")
        template = "blocks/related.html"


class BodyBlock(blocks.StreamBlock):
    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, label=_("Paragraph"), template="blocks/paragraph.html"
    )
    heading = HeadingBlock()
    image = ImageBlock()
    quote = QuoteBlock()
    video = VideoBlock()
    related = RelatedContentBlock()


class SimpleBodyBlock(blocks.StreamBlock):
    """For institutional pages (legal notice, accessibility statement...)."""

    paragraph = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, label=_("Paragraph"), template="blocks/paragraph.html"
    )
    heading = HeadingBlock()
