#!/usr/bin/env python3
"""IPPO in plain Python: a NumPy city environment and a PyTorch per-agent ensemble, CleanRL-style.

The reference the engine's `bench train --algo ippo` is compared against (see README.md here).
Same map (synthetic-medium.txt, as `maps show synthetic-medium` prints it), same scenario
generator (ported from the engine, so seed 1 gives the same 20 origin/destination/departure
triples), same environment rules, observation layout, network sizes and PPO update. Prints one
JSON object on stdout.

    python3 bench/python/ppo_reference.py --seconds 30
    python3 bench/python/ppo_reference.py --random-episodes 48   # sanity check of the environment
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical

HERE = os.path.dirname(os.path.abspath(__file__))

# --------------------------------------------------------------------------------------------------
# Map and scenario
# --------------------------------------------------------------------------------------------------
MOVES_DX = np.array([0, 0, 1, 0, -1])  # Stay, North, East, South, West; North is y - 1
MOVES_DY = np.array([0, -1, 0, 1, 0])
ACTIONS = 5
MASK64 = (1 << 64) - 1


def read_map(path):
    rows = [line.rstrip("\n") for line in open(path) if line.strip()]
    height, width = len(rows), len(rows[0])
    road = np.array([[c in ".+" for c in row] for row in rows], dtype=bool)
    marked = np.array([[c == "+" for c in row] for row in rows], dtype=bool)
    return road, marked, width, height


def intersections(road):
    """Road cells whose road-neighbour count is not 2, or whose two road neighbours are not opposite (corners)."""
    padded = np.pad(road, 1)
    north, south = padded[:-2, 1:-1], padded[2:, 1:-1]
    west, east = padded[1:-1, :-2], padded[1:-1, 2:]
    degree = north.astype(int) + south + east + west
    straight = (north & south) | (east & west)
    return road & ((degree != 2) | ~straight)


def neighbour_table(road):
    """[cells, 5] target cell of each move (Stay: the cell itself), -1 where the move leaves the road."""
    height, width = road.shape
    ys, xs = np.divmod(np.arange(height * width), width)
    table = np.full((height * width, ACTIONS), -1, dtype=np.int64)
    for move in range(ACTIONS):
        tx, ty = xs + MOVES_DX[move], ys + MOVES_DY[move]
        inside = (tx >= 0) & (tx < width) & (ty >= 0) & (ty < height)
        target = np.where(inside, ty * width + tx, 0)
        ok = inside & road.reshape(-1)[target]
        table[:, move] = np.where(ok, target, -1)
    table[~road.reshape(-1)] = -1
    return table


def bfs_distances(neighbours, source):
    distance = np.full(neighbours.shape[0], -1, dtype=np.int64)
    distance[source] = 0
    frontier = [source]
    while frontier:
        nxt = []
        for cell in frontier:
            for target in neighbours[cell, 1:]:
                if target >= 0 and distance[target] < 0:
                    distance[target] = distance[cell] + 1
                    nxt.append(target)
        frontier = nxt
    return distance


class SplitMix:
    """SplitMix64, as the engine's scenario generator uses it (so the same seed gives the same scenario)."""

    def __init__(self, seed):
        self.state = seed & MASK64

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def next(self, bound):
        return (self.next_u64() >> 33) % bound

    def next_between(self, low, high):  # inclusive
        return low + self.next(high - low + 1)

    def next_double(self):
        return (self.next_u64() >> 11) * (1.0 / (1 << 53))


def generate_scenario(road, neighbours, agents, seed, departure_window=5):
    """Origins and destinations among the intersections, at least (W + H) / 8 moves apart; departures 0..window."""
    height, width = road.shape
    nodes = np.flatnonzero(intersections(road).reshape(-1))  # row-major, as the engine numbers them
    components = np.full(road.size, -1)
    for cell in np.flatnonzero(road.reshape(-1)):
        if components[cell] < 0:
            components[bfs_distances(neighbours, cell) >= 0] = cell
    labels, counts = np.unique(components[road.reshape(-1)], return_counts=True)
    nodes = nodes[components[nodes] == labels[np.argmax(counts)]]
    random = SplitMix((seed * 0x9E3779B97F4A7C15 + 0x5EED) & MASK64)
    min_distance = max(2, (width + height) // 8)

    def pick(weights):
        target = random.next_double() * sum(weights)
        for i, weight in enumerate(weights):
            target -= weight
            if target < 0:
                return i
        return max(i for i, weight in enumerate(weights) if weight > 0)

    uniform = [1.0] * len(nodes)
    specs = []
    for _ in range(agents):
        spec = None
        for _attempt in range(150):
            origin = int(nodes[random.next(len(nodes))])
            destination = int(nodes[pick(uniform)])
            if destination != origin and bfs_distances(neighbours, origin)[destination] >= min_distance:
                spec = (origin, destination, random.next_between(0, departure_window))
                break
        if spec is None:
            raise RuntimeError("no origin/destination pair met the minimum distance in 150 draws")
        specs.append(spec)
    origin, destination, departure = (np.array(column, dtype=np.int64) for column in zip(*specs))
    return origin, destination, departure, min_distance


# --------------------------------------------------------------------------------------------------
# Environment: E copies of the scenario x N agents, stepped together
# --------------------------------------------------------------------------------------------------
WAITING, DRIVING, ARRIVED, TIMED_OUT = 0, 1, 2, 3


class VectorCityEnv:
    """The city rules (cell capacity 2, random move order, -1 per step, -1 blocked, +100 arrival), auto-reset."""

    def __init__(self, road, origin, destination, departure, envs, seed, patch=7, capacity=2,
                 step_reward=-1.0, delay_reward=-1.0, arrival_reward=100.0):
        self.height, self.width = road.shape
        self.cells = road.size
        self.envs, self.agents = envs, len(origin)
        self.origin, self.destination, self.departure = origin, destination, departure
        self.capacity, self.patch, self.radius = capacity, patch, patch // 2
        self.step_reward, self.delay_reward, self.arrival_reward = step_reward, delay_reward, arrival_reward
        self.max_steps = 4 * (self.width + self.height)
        self.neighbours = neighbour_table(road)                                    # [cells, 5]
        self.move_mask = (self.neighbours >= 0).astype(np.float32)                 # [cells, 5]
        self.move_mask[:, 0] = 1.0
        r = self.radius
        self.road_padded = np.pad(road.astype(np.float32), r)                      # [H+2r, W+2r]
        self.obs_size = 3 * patch * patch + 8 + ACTIONS
        self.mask_offset = 3 * patch * patch + 8
        self.rng = np.random.default_rng(seed)
        offsets = np.arange(patch)
        self.patch_rows = offsets[:, None]                                          # [K, 1]
        self.patch_cols = offsets[None, :]                                          # [1, K]
        self.env_index = np.arange(envs)[:, None]                                   # [E, 1]
        shape = (envs, self.agents)
        self.position = np.full(shape, -1, dtype=np.int64)
        self.status = np.zeros(shape, dtype=np.int8)
        self.returns = np.zeros(shape, dtype=np.float32)
        self.arrived_count = np.zeros(envs, dtype=np.int64)
        self.occupancy = np.zeros((envs, self.cells), dtype=np.int64)
        self.time = np.zeros(envs, dtype=np.int64)
        self.finished = []  # (team return, arrived, agents) of every finished episode

    def reset(self):
        self.reset_envs(np.ones(self.envs, dtype=bool))
        return self.observations()

    def reset_envs(self, which):
        self.position[which] = -1
        self.status[which] = WAITING
        self.returns[which] = 0.0
        self.arrived_count[which] = 0
        self.occupancy[which] = 0
        self.time[which] = 0

    def step(self, actions):
        """actions [E, N] int; returns observations [E, N, O], rewards, terminated, truncated, alive-before-step [E, N]."""
        E, N = self.envs, self.agents
        rows = np.arange(E)
        rewards = np.zeros((E, N), dtype=np.float32)
        terminated = np.zeros((E, N), dtype=bool)
        truncated = np.zeros((E, N), dtype=bool)
        alive = self.status <= DRIVING
        live = alive.any(axis=1)
        entered = np.zeros((E, N), dtype=bool)

        # Departures in agent order: enter at the origin if it has room, else wait (a delay).
        due = (self.status == WAITING) & (self.departure[None, :] <= self.time[:, None]) & live[:, None]
        for i in np.flatnonzero(due.any(axis=0)):
            d = due[:, i]
            room = self.occupancy[rows, self.origin[i]] < self.capacity
            enter, blocked = d & room, d & ~room
            self.status[enter, i] = DRIVING
            self.position[enter, i] = self.origin[i]
            self.occupancy[enter, self.origin[i]] += 1
            entered[:, i] = enter
            rewards[enter, i] = self.step_reward
            rewards[blocked, i] = self.delay_reward

        # Moves in a random order per environment; a move succeeds if the target cell still has room.
        order = np.argsort(self.rng.random((E, N)), axis=1)
        for k in range(N):
            i = order[:, k]
            driving = (self.status[rows, i] == DRIVING) & ~entered[rows, i]
            rewards[rows, i] += np.where(driving, self.step_reward, 0.0)
            cell = self.position[rows, i]
            target = self.neighbours[np.maximum(cell, 0), actions[rows, i]]
            moving = driving & (actions[rows, i] != 0) & (target >= 0)
            full = moving & (self.occupancy[rows, np.maximum(target, 0)] >= self.capacity)
            rewards[rows, i] += np.where(full, self.delay_reward, 0.0)
            go = moving & ~full
            if not go.any():
                continue
            e, a, src, dst = rows[go], i[go], cell[go], target[go]
            self.occupancy[e, src] -= 1
            arrive = dst == self.destination[a]
            ea, aa = e[arrive], a[arrive]
            self.status[ea, aa] = ARRIVED
            self.position[ea, aa] = -1
            rewards[ea, aa] += self.arrival_reward
            terminated[ea, aa] = True
            self.arrived_count[ea] += 1
            em, am, dm = e[~arrive], a[~arrive], dst[~arrive]
            self.occupancy[em, dm] += 1
            self.position[em, am] = dm

        self.time += live
        self.returns += rewards
        # The step limit cuts off everyone still waiting or driving.
        still = self.status <= DRIVING
        cut = (self.time >= self.max_steps)[:, None] & still
        truncated |= cut
        self.status[cut] = TIMED_OUT
        self.position[cut] = -1
        done = live & ~(self.status <= DRIVING).any(axis=1)
        if done.any():
            for env in np.flatnonzero(done):
                self.finished.append((float(self.returns[env].sum()), int(self.arrived_count[env]), N))
            self.reset_envs(done)
        return self.observations(), rewards, terminated, truncated, alive

    def observations(self):
        """[E, N, O]: road, occupancy-of-others and destination patches (K x K), 8 scalars, the action mask."""
        E, N, K, r = self.envs, self.agents, self.patch, self.radius
        driving = self.status == DRIVING
        live = self.status <= DRIVING
        cell = np.where(driving, self.position, self.origin[None, :])               # waiting agents see their origin
        y, x = np.divmod(cell, self.width)
        dy, dx = np.divmod(self.destination, self.width)
        occupancy = np.zeros((E, self.height + 2 * r, self.width + 2 * r), dtype=np.float32)
        occupancy[:, r:-r, r:-r] = self.occupancy.reshape(E, self.height, self.width) / self.capacity
        py = y[:, :, None, None] + self.patch_rows                                  # [E, N, K, 1]
        px = x[:, :, None, None] + self.patch_cols                                  # [E, N, 1, K]
        road = self.road_padded[py, px]                                             # [E, N, K, K]
        occupied = occupancy[self.env_index[:, :, None, None], py, px]              # [E, N, K, K]
        occupied[:, :, r, r] -= driving / self.capacity                             # others only
        oy, ox = dy[None, :] - y + r, dx[None, :] - x + r
        marker = ((self.patch_rows == oy[:, :, None, None]) & (self.patch_cols == ox[:, :, None, None])).astype(np.float32)
        scalars = np.stack([
            x / (self.width - 1), y / (self.height - 1),
            np.broadcast_to(dx / (self.width - 1), (E, N)), np.broadcast_to(dy / (self.height - 1), (E, N)),
            (dx - x) / (self.width - 1), (dy - y) / (self.height - 1),
            np.broadcast_to((self.time / self.max_steps)[:, None], (E, N)), driving,
        ], axis=-1).astype(np.float32)
        mask = np.where(driving[:, :, None], self.move_mask[cell], np.eye(ACTIONS, dtype=np.float32)[0])
        obs = np.concatenate([road.reshape(E, N, -1), occupied.reshape(E, N, -1), marker.reshape(E, N, -1),
                              scalars, mask], axis=-1)
        obs[~live] = 0.0
        obs[~live, self.mask_offset] = 1.0                                          # finished: only Stay
        return obs


# --------------------------------------------------------------------------------------------------
# Per-agent networks as ensembles: weights [N, in, out], one bmm per layer for every agent
# --------------------------------------------------------------------------------------------------
class EnsembleLinear(nn.Module):
    def __init__(self, members, inputs, outputs, gain):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(members, inputs, outputs))
        self.bias = nn.Parameter(torch.zeros(members, 1, outputs))
        with torch.no_grad():
            for m in range(members):
                nn.init.orthogonal_(self.weight[m], gain)

    def forward(self, x):  # [N, B, in] -> [N, B, out]
        return torch.baddbmm(self.bias, x, self.weight)


def ensemble_mlp(members, inputs, hidden, outputs, head_gain):
    return nn.Sequential(
        EnsembleLinear(members, inputs, hidden, np.sqrt(2)), nn.Tanh(),
        EnsembleLinear(members, hidden, hidden, np.sqrt(2)), nn.Tanh(),
        EnsembleLinear(members, hidden, outputs, head_gain))


class Agents(nn.Module):
    def __init__(self, agents, obs_size, mask_offset, hidden=64):
        super().__init__()
        self.mask_offset = mask_offset
        self.actor = ensemble_mlp(agents, obs_size, hidden, ACTIONS, 0.01)
        self.critic = ensemble_mlp(agents, obs_size, hidden, 1, 1.0)

    def get_value(self, obs):  # [N, B, O] -> [N, B]
        return self.critic(obs).squeeze(-1)

    def get_logits(self, obs):  # masked logits [N, B, A]
        invalid = obs[..., self.mask_offset:self.mask_offset + ACTIONS] < 0.5
        return self.actor(obs).masked_fill(invalid, -1e9)

    def get_action_and_value(self, obs, action=None):
        probs = Categorical(logits=self.get_logits(obs))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.get_value(obs)


def forward_flops(inputs, hidden, layers, outputs):
    flops, width = 0.0, inputs
    for _ in range(layers):
        flops += 2.0 * width * hidden
        width = hidden
    return flops + 2.0 * width * outputs


def training_flops(inputs, hidden, layers, outputs):
    """Forward plus backward per row; the first layer needs no input gradient (as the engine counts)."""
    return 3 * forward_flops(inputs, hidden, layers, outputs) - 2.0 * inputs * hidden


def measure_kernel(agents, obs_size, mask_offset, hidden, rows, seconds):
    """Forward + backward of the actor and critic ensembles on one minibatch of random rows, repeated."""
    nets = Agents(agents, obs_size, mask_offset, hidden)
    obs = torch.rand(agents, rows, obs_size)

    def one_pass():
        nets.zero_grad()
        logits, values = nets.get_logits(obs), nets.get_value(obs)
        loss = torch.log_softmax(logits, -1).sum() + values.sum()
        loss.backward()

    for _ in range(3):
        one_pass()
    passes, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while passes < 5 or time.perf_counter() - wall0 < seconds:
        one_pass()
        passes += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    flops = agents * rows * (training_flops(obs_size, hidden, 2, ACTIONS) + training_flops(obs_size, hidden, 2, 1))
    return flops * passes, wall, cpu


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------
def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--map", default=os.path.join(HERE, "synthetic-medium.txt"))
    p.add_argument("--agents", type=int, default=20)
    p.add_argument("--envs", type=int, default=16)
    p.add_argument("--steps", type=int, default=128)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--clip", type=float, default=0.2)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    p.add_argument("--reward-scale", type=float, default=0.01)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--seconds", type=float, default=30.0, help="measured time after one warm-up iteration")
    p.add_argument("--iterations", type=int, default=None, help="exactly this many measured iterations instead of --seconds")
    p.add_argument("--random-episodes", type=int, default=0,
                   help="instead of training: play this many episodes with uniform random valid actions and print their returns")
    return p.parse_args()


def random_baseline(env, episodes, rng):
    obs = env.reset()
    while len(env.finished) < episodes:
        mask = obs[..., env.mask_offset:env.mask_offset + ACTIONS]
        choice = rng.random(mask.shape) * mask
        obs, *_ = env.step(choice.argmax(-1))
    team = np.array([f[0] for f in env.finished[:episodes]])
    arrived = np.array([f[1] / f[2] for f in env.finished[:episodes]])
    return {"episodes": episodes, "teamReturnMean": round(float(team.mean()), 1), "teamReturnSd": round(float(team.std(ddof=1)), 1),
            "arrivalRate": round(float(arrived.mean()), 4), "agents": env.agents, "maxSteps": env.max_steps}


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    road, marked, width, height = read_map(args.map)
    if not np.array_equal(intersections(road), marked):
        sys.exit("the map's '+' cells are not the intersections this script derives")
    neighbours = neighbour_table(road)
    origin, destination, departure, min_distance = generate_scenario(road, neighbours, args.agents, args.seed)
    env = VectorCityEnv(road, origin, destination, departure, args.envs, seed=args.seed)
    if args.random_episodes:
        print(json.dumps(random_baseline(env, args.random_episodes, np.random.default_rng(args.seed)), indent=2))
        return

    N, E, T, O = args.agents, args.envs, args.steps, env.obs_size
    batch_size = E * T                      # rows per agent
    minibatch_size = batch_size // args.minibatches
    agent = Agents(N, O, env.mask_offset, args.hidden)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    params = list(agent.parameters())
    planned_iterations = 1_000_000          # as the engine's benchmark plans: the annealed lr stays ~constant

    # Storage, CleanRL's (num_steps, num_envs, ...) layout with the agent axis after the env axis.
    obs_buf = torch.zeros(T, E, N, O)
    actions_buf = torch.zeros(T, E, N, dtype=torch.long)
    logprobs_buf = torch.zeros(T, E, N)
    rewards_buf = torch.zeros(T, E, N)
    dones_buf = torch.zeros(T, E, N)
    alive_buf = torch.zeros(T, E, N)
    values_buf = torch.zeros(T, E, N)

    next_obs = torch.from_numpy(env.reset())
    last_terms = {}
    timings = dict(environment=0.0, rolloutForward=0.0, updateForward=0.0, backward=0.0, optimizer=0.0, other=0.0)

    def iteration(number):
        nonlocal next_obs
        start = time.perf_counter()
        spent_before = sum(timings.values())
        lr = args.lr * (1.0 - (number - 1.0) / planned_iterations)
        optimizer.param_groups[0]["lr"] = lr

        for step in range(T):
            t0 = time.perf_counter()
            obs_buf[step] = next_obs
            with torch.no_grad():
                action, logprob, _, value = agent.get_action_and_value(next_obs.transpose(0, 1))  # [N, E]
            actions_buf[step] = action.t()
            logprobs_buf[step] = logprob.t()
            values_buf[step] = value.t()
            t1 = time.perf_counter()
            obs, reward, terminated, truncated, alive = env.step(action.t().numpy())
            next_obs = torch.from_numpy(obs)
            rewards_buf[step] = torch.from_numpy(reward * args.reward_scale)
            dones_buf[step] = torch.from_numpy((terminated | truncated).astype(np.float32))
            alive_buf[step] = torch.from_numpy(alive.astype(np.float32))
            timings["rolloutForward"] += t1 - t0
            timings["environment"] += time.perf_counter() - t1

        # GAE per agent: a step where the agent was not alive carries nothing and cuts the recursion.
        t0 = time.perf_counter()
        with torch.no_grad():
            next_value = agent.get_value(next_obs.transpose(0, 1)).t()                     # [E, N]
        timings["rolloutForward"] += time.perf_counter() - t0
        with torch.no_grad():
            advantages = torch.zeros_like(rewards_buf)
            last = torch.zeros(E, N)
            for t in reversed(range(T)):
                if t == T - 1:
                    next_values, next_alive = next_value, torch.ones(E, N)
                else:
                    next_values, next_alive = values_buf[t + 1], alive_buf[t + 1]
                nonterminal = (1.0 - dones_buf[t]) * next_alive
                delta = rewards_buf[t] + args.gamma * next_values * nonterminal - values_buf[t]
                last = (delta + args.gamma * args.gae_lambda * nonterminal * last) * alive_buf[t]
                advantages[t] = last
            returns = (advantages + values_buf) * alive_buf

        b_obs = obs_buf.reshape(batch_size, N, O)
        b_actions = actions_buf.reshape(batch_size, N)
        b_logprobs = logprobs_buf.reshape(batch_size, N)
        b_advantages = advantages.reshape(batch_size, N)
        b_returns = returns.reshape(batch_size, N)
        b_values = values_buf.reshape(batch_size, N)
        b_alive = alive_buf.reshape(batch_size, N)

        for _epoch in range(args.epochs):
            order = torch.randperm(batch_size)
            for begin in range(0, batch_size, minibatch_size):
                t0 = time.perf_counter()
                idx = order[begin:begin + minibatch_size]
                mb_alive = b_alive[idx].t()                                                   # [N, mb]
                live_rows = mb_alive.sum(1).clamp(min=1.0)                                    # [N]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[idx].transpose(0, 1), b_actions[idx].t())
                logratio = newlogprob - b_logprobs[idx].t()
                ratio = logratio.exp()

                def masked_mean(x):
                    return (x * mb_alive).sum(1) / live_rows                                  # [N]

                mb_adv = b_advantages[idx].t()
                centred = mb_adv - masked_mean(mb_adv).unsqueeze(1)
                std = ((centred ** 2 * mb_alive).sum(1) / (live_rows - 1).clamp(min=1.0)).sqrt()
                mb_adv = centred / (std.unsqueeze(1) + 1e-8)

                pg_loss = masked_mean(torch.max(-mb_adv * ratio, -mb_adv * torch.clamp(ratio, 1 - args.clip, 1 + args.clip)))
                mb_returns, mb_values = b_returns[idx].t(), b_values[idx].t()
                v_unclipped = (newvalue - mb_returns) ** 2
                v_clipped = (mb_values + torch.clamp(newvalue - mb_values, -args.clip, args.clip) - mb_returns) ** 2
                v_loss = 0.5 * masked_mean(torch.max(v_unclipped, v_clipped))
                entropy_loss = masked_mean(entropy)
                loss = (pg_loss - args.ent_coef * entropy_loss + args.vf_coef * v_loss).sum()  # each agent's own loss
                t1 = time.perf_counter()
                optimizer.zero_grad()
                t2 = time.perf_counter()
                loss.backward()
                t3 = time.perf_counter()
                # Gradient-norm clip per agent: the norm over all of that agent's actor and critic parameters.
                with torch.no_grad():
                    norms = torch.stack([p.grad.pow(2).sum(dim=(1, 2)) for p in params]).sum(0).sqrt()  # [N]
                    coef = (args.max_grad_norm / (norms + 1e-6)).clamp(max=1.0).view(-1, 1, 1)
                    for p in params:
                        p.grad.mul_(coef)
                optimizer.step()
                with torch.no_grad():  # the last minibatch's terms, as CleanRL reports them
                    live = mb_alive.sum().clamp(min=1.0)
                    last_terms.update(policyLoss=pg_loss.mean().item(), valueLoss=v_loss.mean().item(),
                                      entropy=entropy_loss.mean().item(),
                                      approxKl=(((ratio - 1) - logratio) * mb_alive).sum().item() / live.item(),
                                      clipFraction=(((ratio - 1.0).abs() > args.clip).float() * mb_alive).sum().item() / live.item())
                timings["updateForward"] += t1 - t0
                timings["backward"] += t3 - t2
                timings["optimizer"] += (t2 - t1) + (time.perf_counter() - t3)
        elapsed = time.perf_counter() - start
        timings["other"] += elapsed - (sum(timings.values()) - spent_before)

    iteration(1)  # warm-up, not measured
    kernel_before = measure_kernel(N, O, env.mask_offset, args.hidden, minibatch_size, 1.0)
    before = dict(timings)
    measured, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while (measured < args.iterations) if args.iterations else (measured < 2 or time.perf_counter() - wall0 < args.seconds):
        iteration(measured + 2)
        measured += 1
        print(f"iteration {measured}: {time.perf_counter() - wall0:.1f} s", file=sys.stderr)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    kernel_after = measure_kernel(N, O, env.mask_offset, args.hidden, minibatch_size, 1.0)

    spent = {k: timings[k] - before[k] for k in timings}
    total = sum(spent.values())
    rows = batch_size * N
    actor_forward, critic_forward = forward_flops(O, args.hidden, 2, ACTIONS), forward_flops(O, args.hidden, 2, 1)
    actor_training, critic_training = training_flops(O, args.hidden, 2, ACTIONS), training_flops(O, args.hidden, 2, 1)
    flops_per_iteration = rows * (actor_forward + critic_forward) + args.epochs * rows * (actor_training + critic_training)
    k_flops, k_wall, k_cpu = (a + b for a, b in zip(kernel_before, kernel_after))
    kernel, kernel_cpu = k_flops / k_wall / 1e9, k_flops / k_cpu / 1e9
    loop, loop_cpu = flops_per_iteration * measured / wall / 1e9, flops_per_iteration * measured / cpu / 1e9
    agent_steps = measured * E * T * N
    team = [f[0] for f in env.finished]
    result = {
        "implementation": "python-reference",
        "map": os.path.basename(args.map), "width": width, "height": height, "agents": N, "envs": E, "steps": T,
        "algorithm": "ippo", "threads": torch.get_num_threads(), "iterations": measured, "seconds": round(wall, 3),
        "agentSteps": agent_steps, "agentStepsPerSecond": round(agent_steps / wall),
        "secondsPerIteration": round(wall / measured, 4),
        "split": {**{k: round(v, 3) for k, v in spent.items()},
                  "environmentShare": round(spent["environment"] / total, 3),
                  "rolloutForwardShare": round(spent["rolloutForward"] / total, 3),
                  "updateShare": round((spent["updateForward"] + spent["backward"] + spent["optimizer"]) / total, 3),
                  "otherShare": round(spent["other"] / total, 3)},
        "kernelGflopPerSecond": round(kernel, 2), "loopGflopPerSecond": round(loop, 2),
        "kernelFraction": round(loop / kernel, 3), "gflopPerIteration": round(flops_per_iteration / 1e9, 2),
        "cpuSeconds": round(cpu, 3), "cpuUtilisation": round(cpu / wall, 2), "kernelCpuUtilisation": round(k_cpu / k_wall, 2),
        "kernelGflopPerCpuSecond": round(kernel_cpu, 2), "loopGflopPerCpuSecond": round(loop_cpu, 2),
        "kernelFractionCpu": round(loop_cpu / kernel_cpu, 3),
        "parameters": sum(p.numel() for p in params), "observationSize": O,
        "scenario": {"seed": args.seed, "minDistance": min_distance, "origins": origin.tolist(),
                     "destinations": destination.tolist(), "departures": departure.tolist()},
        "lastMinibatch": {k: round(v, 5) for k, v in last_terms.items()},
        "episodesFinished": len(team), "meanTeamReturn": round(float(np.mean(team)), 1) if team else None,
        "python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
        "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY"),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
