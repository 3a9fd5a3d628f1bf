// One clock for one or more city grids replaying recorded episodes: play/pause, a scrubber over the steps,
// speed and repeat, and per grid the arrivals and blocked moves up to the step shown. Everything runs in
// the browser on requestAnimationFrame (no server round trip per frame); the grids draw in the same frame.
// The wrapper carries data-step (the step shown), data-steps (the longest episode's last step) and
// data-playing; each counter element carries data-arrived and data-blocked. frameStats() reports the
// frame intervals and the work per frame of the last few hundred frames, for the replay benchmark.

import { episodeOf, onEpisode, showStep } from './cityGrid.js';

const timelines = new WeakMap();
const BASE_STEPS_PER_SECOND = 8;
const FRAMES_KEPT = 600;

/**
 * gridIds: the ids of the CityGrid wrappers this timeline drives (they may be initialised after it).
 * options: { autoplay, loop }.
 */
export function init(element, gridIds, options) {
    dispose(element);
    const timeline = {
        element, gridIds, grids: [], unsubscribers: [],
        position: 0, length: 0, playing: !!options?.autoplay, loop: options?.loop ?? true,
        speed: 1, frame: 0, lastTime: null, dragging: false,
        intervals: new Float64Array(FRAMES_KEPT), work: new Float64Array(FRAMES_KEPT), frames: 0,
        play: element.querySelector('[data-timeline=play]'),
        scrub: element.querySelector('[data-timeline=scrub]'),
        speedSelect: element.querySelector('[data-timeline=speed]'),
        loopBox: element.querySelector('[data-timeline=loop]'),
        label: element.querySelector('[data-timeline=step]'),
        counters: [...element.querySelectorAll('[data-timeline-counts]')],
    };
    timeline.listeners = [
        [timeline.play, 'click', () => setPlaying(timeline, !timeline.playing)],
        [timeline.scrub, 'input', () => seekTo(timeline, Number(timeline.scrub.value))],
        // While the thumb is held, playing does not pull it away from under the pointer.
        [timeline.scrub, 'pointerdown', () => { timeline.dragging = true; }],
        [timeline.scrub, 'pointerup', () => { timeline.dragging = false; }],
        [timeline.scrub, 'change', () => { timeline.dragging = false; }],
        [timeline.speedSelect, 'change', () => { timeline.speed = Number(timeline.speedSelect.value) || 1; }],
        [timeline.loopBox, 'change', () => { timeline.loop = timeline.loopBox.checked; }],
    ].filter(([target]) => target);
    for (const [target, type, handler] of timeline.listeners) target.addEventListener(type, handler);
    if (timeline.speedSelect) timeline.speed = Number(timeline.speedSelect.value) || 1;
    if (timeline.loopBox) timeline.loopBox.checked = timeline.loop;
    timelines.set(element, timeline);
    attach(timeline);
    setPlaying(timeline, timeline.playing);
}

/** Goes to a step (and stays playing or paused); for scripts and tests. */
export function seek(element, step) {
    const timeline = timelines.get(element);
    if (timeline) seekTo(timeline, step);
}

export function setPlayingState(element, playing) {
    const timeline = timelines.get(element);
    if (timeline) setPlaying(timeline, playing);
}

/** Frame intervals (requestAnimationFrame timestamps) and the work done in each frame, in milliseconds. */
export function frameStats(element) {
    const timeline = timelines.get(element);
    if (!timeline) return null;
    const count = Math.min(timeline.frames, FRAMES_KEPT);
    const sorted = array => Array.from(array.subarray(0, count)).sort((a, b) => a - b);
    const quantile = (values, q) => values.length ? values[Math.min(values.length - 1, Math.floor(q * values.length))] : NaN;
    const intervals = sorted(timeline.intervals), work = sorted(timeline.work);
    return {
        frames: count,
        medianIntervalMs: quantile(intervals, 0.5), p95IntervalMs: quantile(intervals, 0.95), maxIntervalMs: quantile(intervals, 1),
        medianWorkMs: quantile(work, 0.5), p95WorkMs: quantile(work, 0.95), maxWorkMs: quantile(work, 1),
    };
}

export function resetFrameStats(element) {
    const timeline = timelines.get(element);
    if (timeline) timeline.frames = 0;
}

export function dispose(element) {
    const timeline = timelines.get(element);
    if (!timeline) return;
    if (timeline.frame) cancelAnimationFrame(timeline.frame);
    for (const [target, type, handler] of timeline.listeners) target.removeEventListener(type, handler);
    for (const unsubscribe of timeline.unsubscribers) unsubscribe();
    timelines.delete(element);
}

// Finds the grids by id and listens for their episodes; ids not in the page yet are looked up again when one is.
function attach(timeline) {
    for (const unsubscribe of timeline.unsubscribers) unsubscribe();
    timeline.grids = timeline.gridIds.map(id => document.getElementById(id)).filter(grid => grid);
    timeline.unsubscribers = timeline.grids.map(grid => onEpisode(grid, () => refresh(timeline)));
    refresh(timeline);
}

// A grid got a new episode: the timeline's length changes, the step shown stays where it was when it can.
function refresh(timeline) {
    if (timeline.grids.length < timeline.gridIds.length) {
        timeline.grids = timeline.gridIds.map(id => document.getElementById(id)).filter(grid => grid);
    }
    const episodes = timeline.grids.map(grid => episodeOf(grid));
    timeline.length = Math.max(0, ...episodes.map(episode => episode ? episode.steps - 1 : 0));
    if (timeline.scrub) {
        timeline.scrub.max = String(timeline.length);
        timeline.scrub.disabled = timeline.length === 0;
    }
    timeline.position = Math.min(timeline.position, timeline.length);
    timeline.element.dataset.steps = String(timeline.length);
    render(timeline, true);
}

function setPlaying(timeline, playing) {
    timeline.playing = playing;
    timeline.element.dataset.playing = String(playing);
    if (timeline.play) {
        timeline.play.textContent = playing ? '❚❚' : '▶';
        timeline.play.setAttribute('aria-label', playing ? 'Pause' : 'Play');
        timeline.play.title = playing ? 'Pause' : 'Play';
    }
    if (playing && timeline.position >= timeline.length && !timeline.loop) timeline.position = 0;
    timeline.lastTime = null;
    if (playing && !timeline.frame) timeline.frame = requestAnimationFrame(time => tick(timeline, time));
}

function seekTo(timeline, step) {
    timeline.position = Math.max(0, Math.min(Math.floor(step), timeline.length));
    render(timeline, true);
}

function tick(timeline, time) {
    timeline.frame = 0;
    if (!timelines.has(timeline.element) || !timeline.playing) return;
    const started = performance.now();
    // No episode yet: keep playing, so the first one to arrive starts at once.
    if (timeline.lastTime !== null && timeline.length > 0) {
        const elapsed = time - timeline.lastTime;
        timeline.position += elapsed / 1000 * BASE_STEPS_PER_SECOND * timeline.speed;
        if (timeline.position > timeline.length) {
            if (timeline.loop && timeline.length > 0) timeline.position %= timeline.length;
            else {
                timeline.position = timeline.length;
                setPlaying(timeline, false);
            }
        }
        render(timeline, false);
        const slot = timeline.frames % FRAMES_KEPT;
        timeline.intervals[slot] = elapsed;
        timeline.work[slot] = performance.now() - started;
        timeline.frames++;
    }
    timeline.lastTime = time;
    if (timeline.playing) timeline.frame = requestAnimationFrame(next => tick(timeline, next));
}

// Draws every grid at the current position and updates the controls, the label and the counters.
function render(timeline, immediateStep) {
    const position = timeline.position, step = Math.floor(position);
    for (const grid of timeline.grids) showStep(grid, position, true);
    const element = timeline.element;
    if (element.dataset.step !== String(step) || immediateStep) {
        element.dataset.step = String(step);
        if (timeline.scrub && (!timeline.dragging || immediateStep)) timeline.scrub.value = String(step);
        if (timeline.label) timeline.label.textContent = `step ${step} of ${timeline.length}`;
        timeline.counters.forEach((counter, index) => {
            const episode = timeline.grids[index] ? episodeOf(timeline.grids[index]) : null;
            if (!episode) return;
            const at = Math.min(step, episode.steps - 1);
            const arrived = episode.arrivedAt[at], blocked = episode.blockedUpTo[at];
            counter.dataset.arrived = String(arrived);
            counter.dataset.blocked = episode.hasBlocked ? String(blocked) : '';
            counter.textContent = `arrived ${arrived} of ${episode.agents} · blocked moves ${episode.hasBlocked ? blocked : 'not recorded'}`;
        });
    }
}
