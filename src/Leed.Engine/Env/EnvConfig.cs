// Every constant of the city environment, in one record stored with each run.
namespace Leed.Engine.Env;

/// <summary>Rules and sizes of the city environment. Defaults follow docs/ENVIRONMENT.md.</summary>
public sealed record EnvConfig
{
    /// <summary>Bumped whenever the environment's behaviour changes, so stored results stay comparable.</summary>
    public const string EnvVersion = "city-grid-1.1";

    /// <summary>Vehicles one cell holds at once (two lanes).</summary>
    public int CellCapacity { get; init; } = 2;

    /// <summary>Side of the egocentric observation patch (odd).</summary>
    public int PatchSize { get; init; } = 7;

    /// <summary>Episode length limit in steps; null means <c>4 * (Width + Height)</c>.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Reward for each step an agent is driving (travel time).</summary>
    public float StepReward { get; init; } = -1f;

    /// <summary>Extra reward for a blocked move or a departure that could not enter (congestion delay).</summary>
    public float DelayReward { get; init; } = -1f;

    /// <summary>Reward on arrival.</summary>
    public float ArrivalReward { get; init; } = 100f;

    /// <summary>Side of the coarse occupancy map in the global state.</summary>
    public int StateGrid { get; init; } = 8;

    public int ResolveMaxSteps(int width, int height) => MaxSteps ?? 4 * (width + height);

    /// <summary>The episode length on the scenario's map: the bound every demonstration must fit.</summary>
    public int ResolveMaxSteps(Scenario scenario) => ResolveMaxSteps(scenario.Map.Width, scenario.Map.Height);

    /// <summary>Throws with a clear message when a value is out of range.</summary>
    public void Validate()
    {
        // Occupancy is counted in bytes (it is copied into observations every step).
        if (CellCapacity is < 1 or > 255) throw new ArgumentException($"CellCapacity must be from 1 to 255, got {CellCapacity}.");
        if (PatchSize < 1 || PatchSize % 2 == 0) throw new ArgumentException($"PatchSize must be odd and positive, got {PatchSize}.");
        if (MaxSteps is < 1) throw new ArgumentException($"MaxSteps must be at least 1, got {MaxSteps}.");
        if (StateGrid < 1) throw new ArgumentException($"StateGrid must be at least 1, got {StateGrid}.");
    }
}
