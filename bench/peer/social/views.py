from django.contrib.auth.models import User
from django.db.models import Count
from django.shortcuts import get_object_or_404
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import Follow, Post


class PostSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.username")

    class Meta:
        model = Post
        fields = ["id", "author", "text", "created_at"]


class FeedView(APIView):
    """20 newest posts of the users the caller follows."""

    def get(self, request):
        followees = Follow.objects.filter(follower=request.user).values("followee_id")
        posts = Post.objects.filter(author_id__in=followees).select_related("author").order_by("-created_at")[:20]
        return Response({"results": PostSerializer(posts, many=True).data})


class ProfileView(APIView):
    def get(self, request, username):
        user = get_object_or_404(User, username=username)
        return Response({
            "id": user.id, "username": user.username,
            "followers_count": Follow.objects.filter(followee=user).count(),
            "following_count": Follow.objects.filter(follower=user).count(),
            "posts_count": Post.objects.filter(author=user).count(),
            "is_following": Follow.objects.filter(follower=request.user, followee=user).exists(),
        })


class SuggestionsView(APIView):
    """Friends of friends: users followed by the users I follow, not yet followed, by how many."""

    def get(self, request):
        mine = Follow.objects.filter(follower=request.user).values("followee_id")
        rows = (Follow.objects.filter(follower_id__in=mine).exclude(followee_id__in=mine)
                .exclude(followee=request.user).values("followee_id", "followee__username")
                .annotate(mutual=Count("id")).order_by("-mutual", "followee_id")[:20])
        return Response({"results": [{"username": r["followee__username"], "mutual": r["mutual"]} for r in rows]})
