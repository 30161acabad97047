from rest_framework.routers import SimpleRouter

from .views import InfoRequestViewSet

router = SimpleRouter()
router.register("info-requests", InfoRequestViewSet, basename="info-request")

urlpatterns = router.urls
