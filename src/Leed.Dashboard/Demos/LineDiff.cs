// A line diff (longest common subsequence) between two versions of one agent's instructions.
namespace Leed.Dashboard.Demos;

/// <summary>How a line of a diff relates the two versions.</summary>
public enum DiffKind
{
    Same,
    Removed,
    Added,
}

/// <summary>One line of a diff.</summary>
public sealed record DiffLine(DiffKind Kind, string Text);

/// <summary>The lines of two versions in order, each kept, removed or added.</summary>
public sealed record LineDiff(IReadOnlyList<DiffLine> Lines)
{
    public int Added => Lines.Count(line => line.Kind == DiffKind.Added);

    public int Removed => Lines.Count(line => line.Kind == DiffKind.Removed);

    public bool HasChanges => Added + Removed > 0;

    /// <summary>
    /// Quadratic LCS: instruction lists are tens of lines, so the table is small, and a minimal diff
    /// keeps a one-hop detour from showing as the whole route replaced.
    /// </summary>
    public static LineDiff Compute(IReadOnlyList<string> before, IReadOnlyList<string> after)
    {
        int n = before.Count, m = after.Count;
        var common = new int[n + 1, m + 1]; // common[i, j]: LCS length of before[i..] and after[j..]
        for (int i = n - 1; i >= 0; i--)
            for (int j = m - 1; j >= 0; j--)
                common[i, j] = before[i] == after[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);

        var lines = new List<DiffLine>(n + m);
        int a = 0, b = 0;
        while (a < n || b < m)
        {
            if (a < n && b < m && before[a] == after[b])
            {
                lines.Add(new DiffLine(DiffKind.Same, before[a]));
                a++;
                b++;
            }
            else if (a < n && (b == m || common[a + 1, b] >= common[a, b + 1]))
            {
                // Removed before added where either would do: a replaced line reads "- old, + new".
                lines.Add(new DiffLine(DiffKind.Removed, before[a++]));
            }
            else
            {
                lines.Add(new DiffLine(DiffKind.Added, after[b++]));
            }
        }
        return new LineDiff(lines);
    }
}
