// The staff check-in page: clear the token field after each answer, show rate-limit answers,
// and scan QR codes with the camera where the browser has BarcodeDetector (Android Chrome, ...).
(function () {
  "use strict";

  var SAME_CODE_PAUSE_MS = 4000; // a code held in front of the camera is submitted once

  function setupScanner(form, input, method) {
    var button = document.getElementById("scan-button");
    var box = document.getElementById("scanner");
    var video = document.getElementById("scan-video");
    var stop = document.getElementById("scan-stop");
    var status = document.getElementById("scan-status");
    if (!button || !("BarcodeDetector" in window) || !navigator.mediaDevices ||
        !navigator.mediaDevices.getUserMedia) {
      return;
    }
    window.BarcodeDetector.getSupportedFormats().then(function (formats) {
      if (formats.indexOf("qr_code") === -1) return;
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      var stream = null;
      var timer = null;
      var last = "";
      var lastAt = 0;

      function close() {
        if (timer) clearTimeout(timer);
        timer = null;
        if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
        stream = null;
        video.srcObject = null;
        box.hidden = true;
        button.hidden = false;
      }

      function tick() {
        if (!stream) return;
        detector.detect(video).then(function (codes) {
          var value = codes.length ? codes[0].rawValue : "";
          var now = Date.now();
          if (value && (value !== last || now - lastAt > SAME_CODE_PAUSE_MS)) {
            last = value;
            lastAt = now;
            input.value = value;
            method.value = "scan";
            form.requestSubmit();
          }
          timer = setTimeout(tick, 200);
        }).catch(function () {
          timer = setTimeout(tick, 400); // no frame yet
        });
      }

      button.addEventListener("click", function () {
        navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
          .then(function (s) {
            stream = s;
            video.srcObject = s;
            box.hidden = false;
            button.hidden = true;
            status.textContent = button.dataset.scanning || "";
            return video.play();
          })
          .then(tick)
          .catch(function () {
            close();
            status.textContent = button.dataset.denied || "";
          });
      });
      stop.addEventListener("click", function () {
        close();
        status.textContent = "";
      });
      button.hidden = false;
    }).catch(function () { /* no scanning here: typing and search still work */ });
  }

  function setup() {
    var form = document.getElementById("token-form");
    if (!form) return;
    var input = document.getElementById("checkin-token");
    var method = document.getElementById("checkin-method");
    var box = document.getElementById("scanner");

    document.body.addEventListener("htmx:afterRequest", function (event) {
      if (event.detail.elt !== form) return;
      input.value = "";
      method.value = "token";
      if (box.hidden) input.focus(); // not while scanning: it would open the phone's keyboard
    });
    // A 429 answer carries a message for the person at the door: show it like any other.
    document.body.addEventListener("htmx:beforeSwap", function (event) {
      if (event.detail.xhr.status === 429) {
        event.detail.shouldSwap = true;
        event.detail.isError = false;
      }
    });
    setupScanner(form, input, method);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
