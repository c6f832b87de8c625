"""URLs of the community app: /community/, /members/, /events/, /discussions/."""

from django.urls import path

from clusterobs.portal.community import views
from clusterobs.portal.community import views_discussions as d
from clusterobs.portal.community import views_events as e

app_name = "community"
urlpatterns = [
    path("community/", views.home, name="home"),
    path("community/notifications/", views.notifications, name="notifications"),
    path("members/", views.member_list, name="members"),
    path("members/me/", views.profile_edit, name="profile"),
    path("members/suggestions/", views.suggestions, name="suggestions"),
    path("members/contacts/", views.contacts, name="contacts"),
    path("members/contacts/<int:pk>/<str:answer>/", views.contact_answer, name="contact_answer"),
    path("members/<int:pk>/", views.member_detail, name="member"),
    path("members/<int:pk>/contact/", views.contact_send, name="contact"),
    path("members/<int:pk>/ban/", d.ban, name="ban"),
    path("events/", e.event_list, name="events"),
    path("events/new/", e.event_create, name="event_new"),
    path("events/mine.ics", e.my_ics, name="my_ics"),
    path("events/<int:pk>/", e.event_detail, name="event"),
    path("events/<int:pk>/register/", e.event_register, name="event_register"),
    path("events/<int:pk>/cancel/", e.event_cancel, name="event_cancel"),
    path("events/<int:pk>/approve/", e.event_approve, name="event_approve"),
    path("events/<int:pk>.ics", e.event_ics, name="event_ics"),
    path("discussions/", d.topic_list, name="topics"),
    path("discussions/t/<int:pk>/", d.thread_detail, name="thread"),
    path("discussions/t/<int:pk>/reply/", d.reply_create, name="reply"),
    path("discussions/<str:kind>/<int:pk>/report/", d.report, name="report"),
    path("discussions/<str:kind>/<int:pk>/<str:action>/", d.moderate, name="moderate"),
    path("discussions/<slug:slug>/", d.topic_detail, name="topic"),
    path("discussions/<slug:slug>/new/", d.thread_create, name="thread_new"),
]
