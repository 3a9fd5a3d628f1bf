// Canvas renderer for the CityGrid component: a static layer (roads, intersections) drawn once per
// map and a dynamic layer (routes, destinations, agents) redrawn at most once per animation frame.
// State lives per wrapper element, so several grids can share this module.

const grids = new WeakMap();

const ROAD = '#fbfbfb';
const BLOCKED = '#c9ced6';
const INTERSECTION = '#7b8794';
const SELECTABLE = '#1565c0';
const INVALID = '#d32f2f';
const STATUS_DRIVING = 1;
const STATUS_TIMED_OUT = 3;

// The same palette as AgentPalette.Colour in C#: hues spaced by the golden angle.
export function agentColour(agent) {
    const hue = (agent * 137.508) % 360;
    return `hsl(${hue.toFixed(1)}, 70%, 42%)`;
}

export function init(element, dotNetRef) {
    const [staticCanvas, dynamicCanvas] = element.querySelectorAll('canvas');
    const grid = {
        element, dotNetRef, staticCanvas, dynamicCanvas,
        map: null, cellPixels: 8, intersectionAt: new Map(),
        agents: new Int32Array(0), step: 0,
        routes: [], highlight: null, selectable: null,
        staticDirty: false, dynamicDirty: false, frame: 0,
    };
    grid.onClick = event => onClick(grid, event);
    grid.onMove = event => onMove(grid, event);
    dynamicCanvas.addEventListener('click', grid.onClick);
    dynamicCanvas.addEventListener('mousemove', grid.onMove);
    grids.set(element, grid);
}

export function setMap(element, width, height, cells, intersections, cellPixels) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.map = { width, height, cells: toBytes(cells), intersections };
    grid.cellPixels = cellPixels;
    grid.intersectionAt = new Map();
    for (let id = 0; id * 2 < intersections.length; id++) {
        grid.intersectionAt.set(intersections[2 * id + 1] * width + intersections[2 * id], id);
    }
    resize(grid);
    grid.staticDirty = true;
    grid.dynamicDirty = true;
    schedule(grid);
}

// agents: flat [agent, x, y, status, destX, destY] per agent.
export function setSnapshot(element, step, agents) {
    const grid = grids.get(element);
    if (!grid) return;
    grid.step = step;
    grid.agents = agents;
    grid.dynamicDirty = true;
    schedule(grid);
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
    grid.dynamicCanvas.removeEventListener('click', grid.onClick);
    grid.dynamicCanvas.removeEventListener('mousemove', grid.onMove);
    grid.dotNetRef = null;
    grids.delete(element);
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

function resize(grid) {
    const { width, height } = grid.map;
    const ratio = window.devicePixelRatio || 1;
    const cssWidth = width * grid.cellPixels;
    const cssHeight = height * grid.cellPixels;
    for (const canvas of [grid.staticCanvas, grid.dynamicCanvas]) {
        canvas.width = Math.round(cssWidth * ratio);
        canvas.height = Math.round(cssHeight * ratio);
        canvas.style.width = `${cssWidth}px`;
        canvas.style.height = `${cssHeight}px`;
        canvas.getContext('2d').setTransform(ratio, 0, 0, ratio, 0, 0);
    }
    grid.element.style.width = `${cssWidth}px`;
    grid.element.style.height = `${cssHeight}px`;
}

function draw(grid) {
    if (!grid.map) return;
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
    grid.element.dataset.ready = 'true';
}

function drawStatic(grid) {
    const { width, height, cells, intersections } = grid.map;
    const cp = grid.cellPixels;
    const ctx = grid.staticCanvas.getContext('2d');
    // One pixel per cell, scaled up without smoothing: a single draw call for any map size.
    const cellImage = new ImageData(width, height);
    const road = rgb(ROAD), blocked = rgb(BLOCKED);
    for (let i = 0; i < width * height; i++) {
        const colour = cells[i] === 1 ? road : blocked;
        cellImage.data.set(colour, i * 4);
    }
    const cellCanvas = document.createElement('canvas');
    cellCanvas.width = width;
    cellCanvas.height = height;
    cellCanvas.getContext('2d').putImageData(cellImage, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.clearRect(0, 0, width * cp, height * cp);
    ctx.drawImage(cellCanvas, 0, 0, width * cp, height * cp);

    ctx.fillStyle = INTERSECTION;
    const dot = Math.max(1, cp * 0.18);
    for (let id = 0; id * 2 < intersections.length; id++) {
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
            ctx.fillText(String(id), intersections[2 * id] * cp + 1, intersections[2 * id + 1] * cp + 1);
        }
    }
}

function rgb(hex) {
    return [parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16), 255];
}

function drawDynamic(grid) {
    const { width, height } = grid.map;
    const cp = grid.cellPixels;
    const ctx = grid.dynamicCanvas.getContext('2d');
    ctx.clearRect(0, 0, width * cp, height * cp);

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
    for (let i = 0; i + 5 < agents.length; i += 6) {
        const agent = agents[i], x = agents[i + 1], y = agents[i + 2], status = agents[i + 3];
        if (status !== STATUS_DRIVING && status !== STATUS_TIMED_OUT) continue;
        const colour = agentColour(agent);
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
        const cx = (x + 0.5) * cp + offset, cy = (y + 0.5) * cp + offset;
        const radius = Math.max(1.5, cp * (isHighlight ? 0.45 : 0.32));
        ctx.beginPath();
        ctx.arc(cx, cy, radius, 0, Math.PI * 2);
        ctx.fillStyle = status === STATUS_TIMED_OUT ? '#9e9e9e' : colour;
        ctx.fill();
        if (status === STATUS_TIMED_OUT || isHighlight) {
            ctx.strokeStyle = isHighlight ? '#000' : colour;
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
    const x = Math.floor((event.clientX - rect.left) / grid.cellPixels);
    const y = Math.floor((event.clientY - rect.top) / grid.cellPixels);
    if (x < 0 || y < 0 || x >= grid.map.width || y >= grid.map.height) return null;
    return { x, y };
}

function onClick(grid, event) {
    const cell = cellAt(grid, event);
    if (!cell || !grid.dotNetRef) return;
    // .NET decides whether the cell is a clickable intersection or holds an agent.
    grid.dotNetRef.invokeMethodAsync('OnCellClicked', cell.x, cell.y);
}

function onMove(grid, event) {
    const cell = cellAt(grid, event);
    let pointer = false;
    if (cell && grid.selectable) {
        const id = grid.intersectionAt.get(cell.y * grid.map.width + cell.x);
        pointer = id !== undefined && grid.selectable.has(id);
    }
    grid.dynamicCanvas.style.cursor = pointer ? 'pointer' : 'default';
}
