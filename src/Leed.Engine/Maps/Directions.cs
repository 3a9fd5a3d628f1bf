// The five actions and their grid offsets, shared by maps, environment and instructions.
namespace Leed.Engine.Maps;

/// <summary>Agent actions. North is y - 1 (rows grow southwards).</summary>
public enum Move : byte { Stay = 0, North = 1, East = 2, South = 3, West = 4 }

public static class Directions
{
    public const int ActionCount = 5;

    public static ReadOnlySpan<int> Dx => [0, 0, 1, 0, -1];
    public static ReadOnlySpan<int> Dy => [0, -1, 0, 1, 0];

    /// <summary>The move that goes from cell <paramref name="from"/> to its 4-neighbour <paramref name="to"/>.</summary>
    public static Move Between(int from, int to, int width)
    {
        int delta = to - from;
        if (delta == -width) return Move.North;
        if (delta == width) return Move.South;
        if (delta == 1 && to % width != 0) return Move.East;
        if (delta == -1 && from % width != 0) return Move.West;
        if (delta == 0) return Move.Stay;
        throw new ArgumentException($"Cells {from} and {to} are not 4-neighbours.");
    }
}
