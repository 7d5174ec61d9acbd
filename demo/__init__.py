"""The demo province's end-to-end workflows (``load_demo``): data that shows each seed's way of working from
the opening of a period to its publication, built only through the product's own services."""
