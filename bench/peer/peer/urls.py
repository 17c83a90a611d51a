from django.urls import path
from social import views

urlpatterns = [
    path("api/feed/", views.FeedView.as_view()),
    path("api/users/<str:username>/", views.ProfileView.as_view()),
    path("api/suggestions/", views.SuggestionsView.as_view()),
]
