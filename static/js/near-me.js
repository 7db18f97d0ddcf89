// "Use my location" on the specialists directory. The browser asks the person first;
// only a rounded position (about 1 km) is put in the search form and sent.
(function () {
  "use strict";
  var button = document.getElementById("near-me");
  var form = document.getElementById("directory-search");
  var status = document.getElementById("near-me-status");
  if (!button || !form || !("geolocation" in navigator)) {
    return;
  }
  // Without JavaScript or geolocation the button stays hidden; the "Near" box still works.
  document.getElementById("near-me-wrap").hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    status.textContent = "Asking your browser for your location…";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.lat.value = position.coords.latitude.toFixed(2);
        form.elements.lon.value = position.coords.longitude.toFixed(2);
        form.elements.near.value = "";
        status.textContent = "Finding specialists near you…";
        form.submit();
      },
      function (error) {
        button.disabled = false;
        status.textContent = error.code === error.PERMISSION_DENIED
          ? "Location was not shared. You can type a city or town instead."
          : "Your location could not be found. You can type a city or town instead.";
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
  // Typing a place replaces a previous "my location" (applied when the form is sent).
  form.elements.near.addEventListener("input", function () {
    form.elements.lat.value = "";
    form.elements.lon.value = "";
  });
})();
