from symconv import check, derive, load_problem


def test_homework_entry_A22_is_the_sum_of_four_kernel_entries():
    problem = load_problem("examples/homework_5x5.toml")
    entry = derive(problem).gradient("A").entry((1, 1))
    names = [t.output.tensor.plain_name(t.output.flat) for t in entry.terms]
    assert names == ["C_1_1", "C_1_2", "C_2_1", "C_2_2"]
    assert str(derive(problem).gradient("A").to_sympy()[1, 1]) == "B_1_1 + B_1_2 + B_2_1 + B_2_2"
    assert check(problem).ok
