from django.urls import path

from chexian.quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.QuoteListView.as_view(), name="quote_list"),
    path("add/", views.QuoteCreateView.as_view(), name="quote_create"),
    path("vehicle-choices/", views.VehicleChoicesView.as_view(), name="vehicle_choices"),
    path("<int:pk>/", views.QuoteDetailView.as_view(), name="quote_detail"),
    path("<int:pk>/offers/add/", views.OfferEditView.as_view(), name="offer_add"),
    path("<int:pk>/offers/<int:offer_pk>/edit/", views.OfferEditView.as_view(), name="offer_edit"),
    path("<int:pk>/offers/<int:offer_pk>/choose/", views.OfferChooseView.as_view(), name="offer_choose"),
    path("<int:pk>/sheet.pdf", views.QuoteSheetPdfView.as_view(), name="quote_sheet_pdf"),
    path("<int:pk>/sheet.png", views.QuoteSheetPngView.as_view(), name="quote_sheet_png"),
]
