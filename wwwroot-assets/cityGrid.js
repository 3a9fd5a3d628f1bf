// Canvas renderer for the CityGrid component: a static layer (roads, intersections) and a dynamic
// layer (routes, destinations, agents), each redrawn at most once per animation frame. The grid fits
// its container's width (and the wrapper's max-height) by default; the wheel and the +/- buttons zoom,
// dragging pans, and "fit" goes back. The view is client-side only: no server round trip per frame.
// State lives per wrapper element, so several grids can share this module. After each draw the
// wrapper carries data-scale (CSS pixels per cell), data-fit-scale, data-offset-x/-y (where cell
// (0, 0) starts inside the canvas, in CSS pixels), data-agents and data-step.
// A grid shows either one snapshot (setSnapshot: the agents at one step) or a whole recorded episode
// (setEpisode), whose steps a timeline (episodeTimeline.js) shows with showStep, between two steps
// too: vehicles glide from cell to cell instead of jumping.

const grids = new WeakMap();

const ROAD = '#fbfbfb';
const BLOCKED = '#c9ced6';
const INTERSECTION = '#7b8794';
const SELECTABLE = '#1565c0';
const INVALID = '#d32f2f';
const BLOCKED_RING = '#d32f2f';
const STATUS_DRIVING = 1;
const STATUS_ARRIVED = 2;
const STATUS_TIMED_OUT = 3;
const ZOOM_STEP = 1.25;          // one button press or wheel notch
const MAX_CELL_PIXELS = 48;      // zooming in stops here, or at twice the fit scale when that is larger
const DRAG_THRESHOLD = 4;        // pixels a press may move and still be a click

// The same palette as AgentPalette.Colour in C#: hues spaced by the golden angle.
export function agentColour(agent) {
    const hue = (agent * 137.508) % 360;
    return `hsl(${hue.toFixed(1)}, 70%, 42%)`;
}

const colours = [];
function colourOf(agent) {
    return colours[agent] ??= agentColour(agent);
}

// Who listens for a grid's episode (a timeline), by wrapper element: a timeline may start before its grids.
const episodeListeners = new WeakMap();

export function init(element, dotNetRef) {
    const viewportElement = element.querySelector('.leed-grid-viewport');
    const [staticCanvas, dynamicCanvas] = viewportElement.querySelectorAll('canvas');
    const grid = {
        element, viewportElement, dotNetRef, staticCanvas, dynamicCanvas,
        map: null, cellCanvas: null, intersectionAt: new Map(),
        agents: new Int32Array(0), step: 0, episode: null, blockedNow: null, glide: null,
        routes: [], highlight: null, selectable: null,
        viewport: { width: 0, height: 0 },
        view: { scale: 1, fitScale: 1, x: 0, y: 0, fitted: true },
        press: null, suppressClick: false,
        staticDirty: false, dynamicDirty: false, frame: 0,
    };
    grid.listeners = [
        [dynamicCanvas, 'click', event => onClick(grid, event)],
        [dynamicCanvas, 'mousemove', event => onMove(grid, event)],
        [dynamicCanvas, 'pointerdown', event => onPointerDown(grid, event)],
        [dynamicCanvas, 'pointermove', event => onPointerMove(grid, event)],
        [dynamicCanvas, 'pointerup', event => onPointerUp(grid, event)],
        [dynamicCanvas, 'pointercancel', event => onPointerUp(grid, event)],
        [dynamicCanvas, 'wheel', event => onWheel(grid, event), { passive: false }],
    ];
    for (const button of element.querySelectorAll('[data-grid-action]')) {
        grid.listeners.push([button, 'click', event => onButton(grid, event, button.dataset.gridAction)]);
    }
    for (const [target, type, handler, options] of grid.listeners) target.addEventListener(type, handler, options);
    grid.resizeObserver = new ResizeObserver(() => layout(grid));
    grid.resizeObserver.observe(viewportElement);
    grids.set(element, grid);
}

export function setMap(element, width, height, cells, intersections) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.map = { width, height, cells: toBytes(cells), intersections };
    grid.cellCanvas = cellImage(grid.map);
    grid.intersectionAt = new Map();
    for (let id = 0; id * 2 < intersections.length; id++) {
        grid.intersectionAt.set(intersections[2 * id + 1] * width + intersections[2 * id], id);
    }
    grid.viewport = { width: 0, height: 0 };
    grid.view.fitted = true;
    layout(grid);
}

/** Zooms by a factor around the viewport's centre (the +/- buttons); tests and scripts may call it too. */
export function zoomBy(element, factor) {
    const grid = grids.get(element);
    if (grid) zoomAt(grid, factor, grid.viewport.width / 2, grid.viewport.height / 2);
}

/** Back to the whole map fitted into the panel. */
export function fit(element) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.view.fitted = true;
    applyFit(grid);
    invalidate(grid);
}

// agents: flat [agent, x, y, status, destX, destY] per agent.
export function setSnapshot(element, step, agents) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.episode = null;
    grid.blockedNow = null;
    grid.glide = null;
    grid.step = step;
    grid.agents = agents;
    grid.dynamicDirty = true;
    schedule(grid);
}

// episode: { agents, steps, cells (little-endian int32 bytes, [steps * agents]), statuses ([steps * agents]),
// blocked ([steps * agents] or null), destinations: [agents] cells }. The grid shows its step 0 until a timeline moves it.
export function setEpisode(element, episode) {
    const grid = grids.get(element);
    if (!grid) return;
    const { agents, steps } = episode;
    const statuses = toBytes(episode.statuses);
    const blocked = episode.blocked ? toBytes(episode.blocked) : null;
    // Per step: how many have arrived by then, and how many blocked moves there have been up to it.
    const arrivedAt = new Int32Array(steps), blockedUpTo = new Int32Array(steps);
    let blockedSoFar = 0;
    for (let step = 0; step < steps; step++) {
        let arrived = 0;
        for (let i = step * agents; i < (step + 1) * agents; i++) {
            if (statuses[i] === STATUS_ARRIVED) arrived++;
            if (blocked && blocked[i]) blockedSoFar++;
        }
        arrivedAt[step] = arrived;
        blockedUpTo[step] = blockedSoFar;
    }
    grid.episode = {
        agents, steps, cells: toInt32s(episode.cells), statuses, blocked, destinations: Int32Array.from(episode.destinations),
        arrivedAt, blockedUpTo,
    };
    grid.agents = new Int32Array(agents * 6);
    grid.blockedNow = new Uint8Array(agents);
    grid.glide = new Float32Array(agents * 2);
    showFrame(grid, Math.min(grid.step, steps - 1), 0);
    grid.dynamicDirty = true;
    schedule(grid);
    for (const listener of episodeListeners.get(element) ?? []) listener();
}

/** The episode a grid shows, for a timeline: its length, agents, and counts per step; null before one is set. */
export function episodeOf(element) {
    const episode = grids.get(element)?.episode;
    return episode ? { steps: episode.steps, agents: episode.agents, arrivedAt: episode.arrivedAt, blockedUpTo: episode.blockedUpTo, hasBlocked: !!episode.blocked } : null;
}

/** Calls back whenever the grid gets a new episode; returns the unsubscribe function. */
export function onEpisode(element, callback) {
    const set = episodeListeners.get(element) ?? new Set();
    episodeListeners.set(element, set);
    set.add(callback);
    return () => set.delete(callback);
}

/**
 * Shows the episode at a fractional step (past the grid's last step it stays on the last one). With
 * immediate the frame is drawn now (a timeline calls this from its own animation frame); else at the next one.
 */
export function showStep(element, position, immediate) {
    const grid = grids.get(element);
    if (!grid || !grid.episode) return;
    const last = grid.episode.steps - 1;
    const clamped = Math.max(0, Math.min(position, last));
    const step = Math.floor(clamped);
    showFrame(grid, step, step < last ? clamped - step : 0);
    grid.dynamicDirty = true;
    if (immediate) draw(grid);
    else schedule(grid);
}

// Fills the agents at a step, and where each driving vehicle is between this step's cell and the next's.
function showFrame(grid, step, fraction) {
    const { agents, cells, statuses, blocked, destinations } = grid.episode;
    const width = grid.map ? grid.map.width : 1;
    const base = step * agents, next = base + agents;
    const hasNext = fraction > 0 && next < cells.length;
    const flat = grid.agents;
    for (let i = 0; i < agents; i++) {
        const cell = cells[base + i], destination = destinations[i];
        const x = cell < 0 ? -1 : cell % width, y = cell < 0 ? -1 : Math.floor(cell / width);
        flat[6 * i] = i; flat[6 * i + 1] = x; flat[6 * i + 2] = y; flat[6 * i + 3] = statuses[base + i];
        flat[6 * i + 4] = destination % width; flat[6 * i + 5] = Math.floor(destination / width);
        grid.blockedNow[i] = blocked ? blocked[base + i] : 0;
        // Glide towards the next cell when the vehicle drives on to a neighbouring one.
        let gx = x, gy = y;
        if (hasNext && cell >= 0) {
            const to = cells[next + i];
            if (to >= 0 && to !== cell) {
                const tx = to % width, ty = Math.floor(to / width);
                if (Math.abs(tx - x) + Math.abs(ty - y) === 1) { gx = x + (tx - x) * fraction; gy = y + (ty - y) * fraction; }
            }
        }
        grid.glide[2 * i] = gx; grid.glide[2 * i + 1] = gy;
    }
    grid.step = step;
}

// routes: [{ agent, path: [x0, y0, x1, y1, ...], origin: [x, y], destination: [x, y], invalidHop, colour }]
export function setRoutes(element, routes) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.routes = routes ?? [];
    grid.dynamicDirty = true;
    schedule(grid);
}

export function setOverlay(element, highlight, selectable) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.highlight = highlight;
    grid.selectable = selectable ? new Set(selectable) : null;
    grid.dynamicDirty = true;
    schedule(grid);
}

export function dispose(element) {
    const grid = grids.get(element);
    if (!grid) return;
    if (grid.frame) cancelAnimationFrame(grid.frame);
    for (const [target, type, handler, options] of grid.listeners) target.removeEventListener(type, handler, options);
    grid.resizeObserver.disconnect();
    grid.dotNetRef = null;
    grids.delete(element);
}

// Blazor sends byte[] as a Uint8Array (or base64): the little-endian int32s in it, copied when unaligned.
function toInt32s(bytes) {
    const raw = toBytes(bytes);
    const aligned = raw.byteOffset % 4 === 0 ? raw : raw.slice();
    return new Int32Array(aligned.buffer, aligned.byteOffset, Math.floor(aligned.byteLength / 4));
}

function toBytes(cells) {
    // Blazor sends byte[] as a Uint8Array; a base64 string is accepted too.
    if (cells instanceof Uint8Array) return cells;
    if (typeof cells === 'string') return Uint8Array.from(atob(cells), c => c.charCodeAt(0));
    return Uint8Array.from(cells ?? []);
}

function schedule(grid) {
    if (grid.frame) return;
    grid.frame = requestAnimationFrame(() => {
        grid.frame = 0;
        draw(grid);
    });
}

// The viewport: the panel's width, and the map's aspect ratio up to the viewport's max-height.
function layout(grid) {
    if (!grid.map) return;
    const { width, height } = grid.map;
    const element = grid.viewportElement;
    const available = element.clientWidth;
    if (available <= 0) return; // hidden for now; the observer calls again when it shows
    const maxHeight = parseFloat(getComputedStyle(element).maxHeight);
    const viewportHeight = Math.max(1, Math.floor(Math.min(available * height / width, Number.isFinite(maxHeight) ? maxHeight : Infinity)));
    if (available === grid.viewport.width && viewportHeight === grid.viewport.height) return;
    grid.viewport = { width: available, height: viewportHeight };
    element.style.height = `${viewportHeight}px`;
    const ratio = window.devicePixelRatio || 1;
    for (const canvas of [grid.staticCanvas, grid.dynamicCanvas]) {
        canvas.width = Math.round(available * ratio);
        canvas.height = Math.round(viewportHeight * ratio);
        canvas.style.width = `${available}px`;
        canvas.style.height = `${viewportHeight}px`;
    }
    if (grid.view.fitted) applyFit(grid);
    else {
        grid.view.fitScale = fitScale(grid);
        setScale(grid, grid.view.scale, available / 2, viewportHeight / 2);
    }
    invalidate(grid);
}

function fitScale(grid) {
    return Math.min(grid.viewport.width / grid.map.width, grid.viewport.height / grid.map.height);
}

function maxScale(grid) {
    return Math.max(MAX_CELL_PIXELS, grid.view.fitScale * 2);
}

function applyFit(grid) {
    const view = grid.view;
    view.fitScale = fitScale(grid);
    view.scale = view.fitScale;
    view.x = (grid.viewport.width - grid.map.width * view.scale) / 2;
    view.y = (grid.viewport.height - grid.map.height * view.scale) / 2;
}

// Zooms so that the map point under (px, py) stays there; returns whether the scale changed.
function zoomAt(grid, factor, px, py) {
    if (!grid.map) return false;
    const changed = setScale(grid, grid.view.scale * factor, px, py);
    if (changed) invalidate(grid);
    return changed;
}

function setScale(grid, wanted, px, py) {
    const view = grid.view;
    const scale = Math.min(maxScale(grid), Math.max(view.fitScale, wanted));
    const changed = Math.abs(scale - view.scale) > 1e-9;
    view.x = px - (px - view.x) * scale / view.scale;
    view.y = py - (py - view.y) * scale / view.scale;
    view.scale = scale;
    view.fitted = Math.abs(scale - view.fitScale) < 1e-9;
    clampPan(grid);
    return changed;
}

// A map smaller than the viewport stays inside it; a larger one always covers it (no empty margins).
function clampPan(grid) {
    const view = grid.view;
    const clamp = (offset, content, room) => content <= room
        ? Math.min(room - content, Math.max(0, offset))
        : Math.min(0, Math.max(room - content, offset));
    view.x = clamp(view.x, grid.map.width * view.scale, grid.viewport.width);
    view.y = clamp(view.y, grid.map.height * view.scale, grid.viewport.height);
}

function invalidate(grid) {
    grid.staticDirty = true;
    grid.dynamicDirty = true;
    schedule(grid);
}

function draw(grid) {
    if (!grid.map || grid.viewport.width === 0) return;
    if (grid.staticDirty) {
        drawStatic(grid);
        grid.staticDirty = false;
    }
    if (grid.dynamicDirty) {
        const drawn = drawDynamic(grid);
        grid.dynamicDirty = false;
        grid.element.dataset.agents = String(drawn);
        grid.element.dataset.step = String(grid.step);
    }
    const view = grid.view, data = grid.element.dataset;
    data.scale = view.scale.toFixed(4);
    data.fitScale = view.fitScale.toFixed(4);
    data.offsetX = view.x.toFixed(2);
    data.offsetY = view.y.toFixed(2);
    grid.element.dataset.ready = 'true';
}

// Clears a layer and sets its transform: map cell (x, y) starts at ((x * cp), (y * cp)) after this.
function begin(grid, canvas) {
    const ctx = canvas.getContext('2d');
    const ratio = canvas.width / Math.max(1, grid.viewport.width);
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, grid.viewport.width, grid.viewport.height);
    ctx.translate(grid.view.x, grid.view.y);
    return ctx;
}

// One pixel per cell, drawn scaled without smoothing: one draw call for any map size.
function cellImage(map) {
    const { width, height, cells } = map;
    const image = new ImageData(width, height);
    const road = rgb(ROAD), blocked = rgb(BLOCKED);
    for (let i = 0; i < width * height; i++) image.data.set(cells[i] === 1 ? road : blocked, i * 4);
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').putImageData(image, 0, 0);
    return canvas;
}

// The cells in view, so that a large map zoomed in draws only what shows.
function visibleCells(grid) {
    const { scale, x, y } = grid.view;
    return {
        x0: Math.max(0, Math.floor(-x / scale)), y0: Math.max(0, Math.floor(-y / scale)),
        x1: Math.min(grid.map.width - 1, Math.ceil((grid.viewport.width - x) / scale)),
        y1: Math.min(grid.map.height - 1, Math.ceil((grid.viewport.height - y) / scale)),
    };
}

function drawStatic(grid) {
    const { width, height, intersections } = grid.map;
    const cp = grid.view.scale;
    const ctx = begin(grid, grid.staticCanvas);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(grid.cellCanvas, 0, 0, width * cp, height * cp);
    if (cp < 3) return; // an intersection dot would be under a pixel

    const seen = visibleCells(grid);
    const inView = id => {
        const x = intersections[2 * id], y = intersections[2 * id + 1];
        return x >= seen.x0 && x <= seen.x1 && y >= seen.y0 && y <= seen.y1;
    };
    ctx.fillStyle = INTERSECTION;
    const dot = Math.max(1, cp * 0.18);
    for (let id = 0; id * 2 < intersections.length; id++) {
        if (!inView(id)) continue;
        const cx = (intersections[2 * id] + 0.5) * cp;
        const cy = (intersections[2 * id + 1] + 0.5) * cp;
        ctx.fillRect(cx - dot, cy - dot, dot * 2, dot * 2);
    }
    if (cp >= 16) {
        // Ids only when there is room to read them.
        ctx.fillStyle = '#37474f';
        ctx.font = `${Math.floor(cp * 0.38)}px sans-serif`;
        ctx.textBaseline = 'top';
        for (let id = 0; id * 2 < intersections.length; id++) {
            if (inView(id)) ctx.fillText(String(id), intersections[2 * id] * cp + 1, intersections[2 * id + 1] * cp + 1);
        }
    }
}

function rgb(hex) {
    return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), 255];
}

function drawDynamic(grid) {
    const { width } = grid.map;
    const cp = grid.view.scale;
    const ctx = begin(grid, grid.dynamicCanvas);

    if (grid.selectable) {
        ctx.strokeStyle = SELECTABLE;
        ctx.lineWidth = Math.max(1.5, cp * 0.12);
        for (const id of grid.selectable) {
            const x = grid.map.intersections[2 * id], y = grid.map.intersections[2 * id + 1];
            if (x === undefined) continue;
            ctx.beginPath();
            ctx.arc((x + 0.5) * cp, (y + 0.5) * cp, cp * 0.45, 0, Math.PI * 2);
            ctx.stroke();
        }
    }

    for (const route of grid.routes) drawRoute(ctx, route, cp, grid.highlight);

    const agents = grid.agents;
    const dimOthers = grid.highlight !== null && grid.highlight !== undefined;
    const occupancy = new Map();
    let drawn = 0;
    ctx.lineWidth = Math.max(1, cp * 0.1);
    const glide = grid.glide, blockedNow = grid.blockedNow;
    for (let i = 0; i + 5 < agents.length; i += 6) {
        const agent = agents[i], x = agents[i + 1], y = agents[i + 2], status = agents[i + 3];
        if (status !== STATUS_DRIVING && status !== STATUS_TIMED_OUT) continue;
        const colour = colourOf(agent);
        const isHighlight = agent === grid.highlight;
        ctx.globalAlpha = dimOthers && !isHighlight ? 0.3 : 1;

        // Destination: a hollow square in the agent's colour.
        const dx = agents[i + 4], dy = agents[i + 5];
        ctx.strokeStyle = colour;
        ctx.strokeRect(dx * cp + cp * 0.2, dy * cp + cp * 0.2, cp * 0.6, cp * 0.6);

        // Two vehicles may share a cell (two lanes): offset the second one.
        const cell = y * width + x;
        const lane = occupancy.get(cell) ?? 0;
        occupancy.set(cell, lane + 1);
        const offset = lane === 0 ? 0 : cp * 0.2;
        const gx = glide ? glide[2 * agent] : x, gy = glide ? glide[2 * agent + 1] : y;
        const cx = (gx + 0.5) * cp + offset, cy = (gy + 0.5) * cp + offset;
        const radius = Math.max(1.5, cp * (isHighlight ? 0.45 : 0.32));
        ctx.beginPath();
        ctx.arc(cx, cy, radius, 0, Math.PI * 2);
        ctx.fillStyle = status === STATUS_TIMED_OUT ? '#9e9e9e' : colour;
        ctx.fill();
        if (status === STATUS_TIMED_OUT || isHighlight) {
            ctx.strokeStyle = isHighlight ? '#000' : colour;
            ctx.stroke();
        }
        if (blockedNow && blockedNow[agent]) {
            // Blocked in the step that led here: a red ring around the vehicle.
            ctx.strokeStyle = BLOCKED_RING;
            ctx.beginPath();
            ctx.arc(cx, cy, radius + Math.max(1, cp * 0.12), 0, Math.PI * 2);
            ctx.stroke();
        }
        drawn++;
    }
    ctx.globalAlpha = 1;
    return drawn;
}

function drawRoute(ctx, route, cp, highlight) {
    const path = route.path;
    if (!path || path.length < 2) return;
    const dim = highlight !== null && highlight !== undefined && route.agent !== highlight;
    ctx.globalAlpha = dim ? 0.25 : 0.85;
    ctx.strokeStyle = route.colour;
    ctx.lineWidth = Math.max(2, cp * 0.22);
    ctx.lineJoin = 'round';
    ctx.lineCap = 'round';
    ctx.beginPath();
    ctx.moveTo((path[0] + 0.5) * cp, (path[1] + 0.5) * cp);
    for (let i = 2; i + 1 < path.length; i += 2) ctx.lineTo((path[i] + 0.5) * cp, (path[i + 1] + 0.5) * cp);
    ctx.stroke();

    const hop = route.invalidHop;
    if (hop !== null && hop !== undefined && 2 * hop + 3 < path.length) {
        // The invalid hop: a thick dashed red segment with a cross at its end.
        const x0 = (path[2 * hop] + 0.5) * cp, y0 = (path[2 * hop + 1] + 0.5) * cp;
        const x1 = (path[2 * hop + 2] + 0.5) * cp, y1 = (path[2 * hop + 3] + 0.5) * cp;
        ctx.globalAlpha = 1;
        ctx.strokeStyle = INVALID;
        ctx.lineWidth = Math.max(3, cp * 0.3);
        ctx.setLineDash([cp * 0.4, cp * 0.25]);
        ctx.beginPath();
        ctx.moveTo(x0, y0);
        ctx.lineTo(x1, y1);
        ctx.stroke();
        ctx.setLineDash([]);
        const s = cp * 0.3;
        ctx.beginPath();
        ctx.moveTo(x1 - s, y1 - s); ctx.lineTo(x1 + s, y1 + s);
        ctx.moveTo(x1 + s, y1 - s); ctx.lineTo(x1 - s, y1 + s);
        ctx.stroke();
    }

    // Origin: filled circle; destination: filled square, both in the route's colour.
    ctx.globalAlpha = dim ? 0.25 : 1;
    ctx.fillStyle = route.colour;
    ctx.beginPath();
    ctx.arc((route.origin[0] + 0.5) * cp, (route.origin[1] + 0.5) * cp, cp * 0.3, 0, Math.PI * 2);
    ctx.fill();
    ctx.fillRect(route.destination[0] * cp + cp * 0.2, route.destination[1] * cp + cp * 0.2, cp * 0.6, cp * 0.6);
    ctx.globalAlpha = 1;
}

function cellAt(grid, event) {
    if (!grid.map) return null;
    const rect = grid.dynamicCanvas.getBoundingClientRect();
    const x = Math.floor((event.clientX - rect.left - grid.view.x) / grid.view.scale);
    const y = Math.floor((event.clientY - rect.top - grid.view.y) / grid.view.scale);
    if (x < 0 || y < 0 || x >= grid.map.width || y >= grid.map.height) return null;
    return { x, y };
}

function onClick(grid, event) {
    if (grid.suppressClick) {
        grid.suppressClick = false; // the end of a drag, not a click
        return;
    }
    const cell = cellAt(grid, event);
    if (!cell || !grid.dotNetRef) return;
    // .NET decides whether the cell is a clickable intersection or holds an agent (at the step shown).
    grid.dotNetRef.invokeMethodAsync('OnCellClicked', cell.x, cell.y, grid.step);
}

function onMove(grid, event) {
    if (grid.press?.dragging) return;
    const cell = cellAt(grid, event);
    let pointer = false;
    if (cell && grid.selectable) {
        const id = grid.intersectionAt.get(cell.y * grid.map.width + cell.x);
        pointer = id !== undefined && grid.selectable.has(id);
    }
    grid.dynamicCanvas.style.cursor = pointer ? 'pointer' : grid.view.fitted ? 'default' : 'grab';
}

function onPointerDown(grid, event) {
    if (event.button !== 0) return;
    grid.suppressClick = false;
    grid.press = { id: event.pointerId, startX: event.clientX, startY: event.clientY, lastX: event.clientX, lastY: event.clientY, dragging: false };
}

function onPointerMove(grid, event) {
    const press = grid.press;
    if (!press || press.id !== event.pointerId) return;
    if (!press.dragging) {
        if (Math.hypot(event.clientX - press.startX, event.clientY - press.startY) < DRAG_THRESHOLD) return;
        press.dragging = true;
        grid.dynamicCanvas.setPointerCapture(event.pointerId);
        grid.dynamicCanvas.style.cursor = 'grabbing';
    }
    grid.view.x += event.clientX - press.lastX;
    grid.view.y += event.clientY - press.lastY;
    press.lastX = event.clientX;
    press.lastY = event.clientY;
    clampPan(grid);
    invalidate(grid);
}

function onPointerUp(grid, event) {
    const press = grid.press;
    if (!press || press.id !== event.pointerId) return;
    grid.press = null;
    if (!press.dragging) return;
    grid.suppressClick = true;
    if (grid.dynamicCanvas.hasPointerCapture(event.pointerId)) grid.dynamicCanvas.releasePointerCapture(event.pointerId);
    grid.dynamicCanvas.style.cursor = grid.view.fitted ? 'default' : 'grab';
}

// The wheel zooms around the pointer; when the map cannot zoom further that way, the page scrolls.
function onWheel(grid, event) {
    if (!grid.map || event.deltaY === 0) return;
    const rect = grid.dynamicCanvas.getBoundingClientRect();
    const notches = event.deltaMode === 0 ? event.deltaY / 100 : event.deltaY / 3;
    const factor = Math.pow(ZOOM_STEP, -Math.max(-3, Math.min(3, notches)));
    if (zoomAt(grid, factor, event.clientX - rect.left, event.clientY - rect.top)) event.preventDefault();
}

function onButton(grid, event, action) {
    event.preventDefault();
    event.stopPropagation();
    if (action === 'zoom-in') zoomBy(grid.element, ZOOM_STEP);
    else if (action === 'zoom-out') zoomBy(grid.element, 1 / ZOOM_STEP);
    else if (action === 'fit') fit(grid.element);
}
