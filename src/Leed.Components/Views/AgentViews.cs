// View record for a per-agent metric over iterations (LEED's w_i): one column per iteration, every agent's value and their spread.
namespace Leed.Components.Views;

/// <summary>
/// One iteration of a per-agent metric: every agent's value (NaN where the agent has none), and the
/// mean with the band between two quantiles across agents. <paramref name="X"/> is what the line
/// chart plots against (environment steps).
/// </summary>
public sealed record AgentColumn(int Iteration, double X, double[] Values, double Mean, double Lower, double Upper);
