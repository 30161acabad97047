from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register(
    "registers/relationships", views.RelationshipViewSet, basename="register-relationship"
)
router.register("registers/briefings", views.BriefingViewSet, basename="register-briefing")
router.register("registers/approaches", views.ApproachViewSet, basename="register-approach")
router.register(
    "registers/officer-help", views.HelpRequestViewSet, basename="register-officer-help"
)
router.register(
    "registers/ward-notifications",
    views.WardNotificationViewSet,
    basename="register-ward-notification",
)
router.register(
    "registers/interest-advice", views.InterestAdviceViewSet, basename="register-interest-advice"
)

urlpatterns = router.urls
