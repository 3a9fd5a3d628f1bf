// Whole-grid operations shared by the preset generator and the importers.
namespace Leed.Engine.Maps;

public static class MapOps
{
    /// <summary>Blocks every road cell outside the largest 4-connected road component; returns its size.</summary>
    public static int KeepLargestComponent(bool[] road, int width, int height)
    {
        var label = new int[road.Length];
        Array.Fill(label, -1);
        var sizes = new List<int>();
        var stack = new Stack<int>();
        for (int seed = 0; seed < road.Length; seed++)
        {
            if (!road[seed] || label[seed] >= 0) continue;
            int id = sizes.Count, size = 0;
            label[seed] = id;
            stack.Push(seed);
            while (stack.Count > 0)
            {
                int cell = stack.Pop();
                size++;
                int x = cell % width, y = cell / width;
                for (int move = 1; move < Directions.ActionCount; move++)
                {
                    int nx = x + Directions.Dx[move], ny = y + Directions.Dy[move];
                    if ((uint)nx >= (uint)width || (uint)ny >= (uint)height) continue;
                    int next = ny * width + nx;
                    if (road[next] && label[next] < 0)
                    {
                        label[next] = id;
                        stack.Push(next);
                    }
                }
            }
            sizes.Add(size);
        }
        if (sizes.Count == 0) return 0;
        int largest = 0;
        for (int i = 1; i < sizes.Count; i++) if (sizes[i] > sizes[largest]) largest = i;
        for (int cell = 0; cell < road.Length; cell++) if (road[cell] && label[cell] != largest) road[cell] = false;
        return sizes[largest];
    }
}
