// Keeps a text box's value in the page's address at every keystroke, in the browser, before the server
// hears of the keystroke: a reload in the instant after typing then opens with what was typed, not with
// the address the server last wrote a round trip earlier. The address is written through Blazor's own
// navigation (history.replaceState, then the server is told), so the server's view of the address is
// the one the browser shows, and the server has nothing left to write when the keystroke reaches it.

const bound = new WeakMap();

/** container: an element holding the text box; name: the query parameter it is kept in. */
export function bind(container, name) {
    unbind(container);
    const input = container?.querySelector('input');
    if (!input) return;
    const onInput = () => {
        // The box's own limit, should a script or a paste have put more in it.
        const text = input.maxLength > 0 ? input.value.slice(0, input.maxLength) : input.value;
        const url = new URL(location.href);
        if (text) url.searchParams.set(name, text);
        else url.searchParams.delete(name);
        if (url.href !== location.href) Blazor.navigateTo(url.href, { replaceHistoryEntry: true });
    };
    // On the box itself: it runs before Blazor's handler (delegated from the document), so the new
    // address reaches the server ahead of the keystroke.
    input.addEventListener('input', onInput);
    bound.set(container, { input, onInput });
}

export function unbind(container) {
    const binding = container && bound.get(container);
    if (!binding) return;
    binding.input.removeEventListener('input', binding.onInput);
    bound.delete(container);
}
