// Torch-using learning tests run alone: torch's thread count is process-wide and two trainers at once would fight over 2 cores.
namespace Leed.Engine.Tests.Learning;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchCollection
{
    public const string Name = "Torch learning";
}
