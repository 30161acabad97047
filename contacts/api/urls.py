from rest_framework.routers import SimpleRouter

from .views import CouncilViewSet, PersonViewSet

router = SimpleRouter()
router.register("councils", CouncilViewSet, basename="council")
router.register("people", PersonViewSet, basename="person")

urlpatterns = router.urls
