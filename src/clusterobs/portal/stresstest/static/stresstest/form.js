// Autosave of one questionnaire section: every change is POSTed as JSON with the CSRF token.
// Without JavaScript the form's normal submit saves the section.
(function () {
  const form = document.getElementById("st-form");
  if (!form) return;
  const status = document.getElementById("st-save");
  const bar = document.getElementById("st-bar");
  const count = document.getElementById("st-count");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const section = form.querySelector("input[name=section]").value;
  let pending = {};
  let timer = null;

  function say(text, error) {
    status.textContent = text;
    status.classList.toggle("is-error", !!error);
  }

  async function flush() {
    const answers = pending;
    pending = {};
    form.dataset.state = "saving";
    say("Saving…");
    try {
      const res = await fetch(form.dataset.autosave, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
        body: JSON.stringify({ section: section, answers: answers }),
        credentials: "same-origin",
      });
      const data = await res.json();
      if (!res.ok) throw new Error(data.message || res.statusText);
      bar.value = data.done;
      count.textContent = data.done + " of " + data.total + " questions answered";
      say("Saved " + new Date().toLocaleTimeString());
      form.dataset.state = "saved";
    } catch (err) {
      say("Not saved: " + err.message + " Use “Save and continue”.", true);
      form.dataset.state = "error";
    }
  }

  form.addEventListener("change", function (event) {
    const input = event.target;
    if (!input.name || input.type !== "radio") return;
    pending[input.name] = input.value;
    clearTimeout(timer);
    timer = setTimeout(flush, 150);
  });
})();
