from ninja import Router

router = Router(tags=["work orders"])
